package io.herald.speaker.announce;

import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.InterfaceInfo;
import io.herald.speaker.l2.MacAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** In-memory interfaces for the announcer: frames are put in and taken out by the test. */
final class FakeChannels implements PacketChannel.Opener {
    private final Map<String, List<Channel>> opened = new ConcurrentHashMap<>();
    private final Map<String, String> failNext = new ConcurrentHashMap<>();

    /** A fake eth0, eth1, ...: MAC 02:00:00:00:00:0N, index N + 2. */
    static InterfaceInfo link(String name) {
        if (!name.matches("eth\\d")) {
            throw new IllegalArgumentException("there is no interface " + name + " on this node");
        }
        int n = name.charAt(3) - '0';
        return new InterfaceInfo(name, new MacAddress(0x0200_0000_0000L + n + 1), n + 2);
    }

    /** Opening {@code name} fails with {@code message} until {@link #recover(String)}. */
    void failOpening(String name, String message) {
        failNext.put(name, message);
    }

    void recover(String name) {
        failNext.remove(name);
    }

    @Override
    public PacketChannel open(InterfaceInfo iface) throws IOException {
        String failure = failNext.get(iface.name());
        if (failure != null) {
            throw new IOException(failure);
        }
        Channel channel = new Channel(iface);
        opened.computeIfAbsent(iface.name(), name -> new CopyOnWriteArrayList<>()).add(channel);
        return channel;
    }

    /** Every channel opened on {@code name}, oldest first. */
    List<Channel> opened(String name) {
        return new ArrayList<>(opened.getOrDefault(name, List.of()));
    }

    /** The channel opened last on {@code name}. */
    Channel last(String name) {
        List<Channel> channels = opened(name);
        if (channels.isEmpty()) {
            throw new AssertionError(name + " was never opened");
        }
        return channels.get(channels.size() - 1);
    }

    static final class Channel implements PacketChannel {
        private static final byte[] WAKE = new byte[0];

        final InterfaceInfo iface;
        final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>();
        final List<byte[]> sent = new CopyOnWriteArrayList<>();
        volatile Set<IpAddress> listening = Set.of();
        volatile IOException breakWith;
        volatile boolean closed;

        Channel(InterfaceInfo iface) {
            this.iface = iface;
        }

        /** A frame arrives from the wire. */
        void arrive(byte[] frame) {
            inbound.add(frame);
        }

        /** The next receive() fails for good, as when the interface disappears. */
        void breakDown(String message) {
            breakWith = new IOException(message);
            wakeUp();
        }

        @Override
        public byte[] receive() throws IOException {
            if (closed) {
                throw new IOException(iface.name() + " is closed");
            }
            if (breakWith != null) {
                throw breakWith;
            }
            try {
                byte[] frame = inbound.poll(50, TimeUnit.MILLISECONDS);
                return frame == WAKE ? null : frame;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        @Override
        public void send(byte[] frame) throws IOException {
            if (closed) {
                throw new IOException(iface.name() + " is closed");
            }
            sent.add(frame.clone());
        }

        @Override
        public void wakeUp() {
            inbound.add(WAKE);
        }

        @Override
        public void listenFor(Set<IpAddress> ipv6Vips) {
            listening = Set.copyOf(ipv6Vips);
        }

        @Override
        public void close() {
            closed = true;
            wakeUp();
        }
    }
}
