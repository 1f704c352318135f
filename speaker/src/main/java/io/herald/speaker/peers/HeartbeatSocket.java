package io.herald.speaker.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The heartbeats' socket: one UDP socket on the heartbeat port, a thread that reads
 * frames into {@link PeerLiveness}, and a timer that sends a round to every member each
 * interval and then calls {@link Listener#tick}. Unicast to each peer's node address, not
 * multicast: it needs no IGMP snooping on the switches, crosses routed node networks, and
 * a firewall rule for it is one port.
 */
public final class HeartbeatSocket implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(HeartbeatSocket.class);
    private static final int MAX_DATAGRAM = 65_507;

    /** What happened on the socket, for metrics; {@link #tick} after every round sent. */
    public interface Listener {
        void received(String peer);

        void dropped(HeartbeatDrop reason);

        void sent(int frames);

        void sendFailed(String peer, String message);

        void tick();
    }

    private final PeerLiveness liveness;
    private final HeartbeatCodec sendCodec;
    private final HeartbeatCodec receiveCodec;
    private final DatagramChannel channel;
    private final Duration interval;
    private final Function<String, Optional<InetSocketAddress>> addresses;
    private final Listener listener;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "heartbeat-send"));
    private final Thread reader;
    private volatile boolean running = true;
    private boolean left;
    private String lastSendProblem;

    /**
     * Binds the socket; nothing is sent or read before {@link #start}.
     *
     * @param addresses where each member listens, from its Lease; empty when it did not say
     * @throws IOException when the port cannot be bound (in use, or no permission)
     */
    public HeartbeatSocket(PeerLiveness liveness, byte[] key, InetSocketAddress bind, Duration interval,
            Function<String, Optional<InetSocketAddress>> addresses, Listener listener) throws IOException {
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        this.sendCodec = new HeartbeatCodec(key);
        this.receiveCodec = new HeartbeatCodec(key);
        this.interval = Objects.requireNonNull(interval, "interval");
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.listener = Objects.requireNonNull(listener, "listener");
        DatagramChannel opened = DatagramChannel.open();
        try {
            opened.bind(bind);
        } catch (IOException e) {
            opened.close();
            throw new IOException("cannot listen for heartbeats on UDP " + bind + ": " + e.getMessage()
                    + "; free the port or pick another with --heartbeat-port (the same on every node)", e);
        }
        this.channel = opened;
        this.reader = daemon(this::readLoop, "heartbeat-receive");
    }

    public void start() {
        reader.start();
        timer.scheduleAtFixedRate(this::sendRound, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Where the socket listens, the port resolved when 0 was asked for. */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private void sendRound() {
        try {
            send(liveness.round(System.nanoTime(), false));
            listener.tick();
        } catch (RuntimeException e) {
            log.warn("sending heartbeats failed; trying again next round", e);
        }
    }

    private void send(List<PeerLiveness.Outgoing> round) {
        int sent = 0;
        for (PeerLiveness.Outgoing out : round) {
            Optional<InetSocketAddress> to = addresses.apply(out.peer());
            if (to.isEmpty()) {
                continue; // an older speaker, or its Lease has not said yet: the Lease rule covers it
            }
            try {
                channel.send(ByteBuffer.wrap(sendCodec.encode(out.heartbeat())), to.get());
                sent++;
            } catch (IOException e) {
                String message = "cannot send a heartbeat to " + out.peer() + " at " + to.get() + ": " + e.getMessage();
                if (!message.equals(lastSendProblem)) {
                    lastSendProblem = message;
                    log.warn("{} (logged again only when it changes)", message);
                }
                listener.sendFailed(out.peer(), String.valueOf(e.getMessage()));
            }
        }
        listener.sent(sent);
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM + 1);
        while (running) {
            buffer.clear();
            SocketAddress from;
            try {
                from = channel.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    log.warn("reading heartbeats failed: {}; reading on", e.getMessage());
                }
                continue;
            }
            if (from == null) {
                continue;
            }
            try {
                var result = receiveCodec.decode(buffer.array(), buffer.position());
                if (result instanceof HeartbeatCodec.Dropped dropped) {
                    listener.dropped(dropped.reason());
                    log.debug("dropped a heartbeat from {}: {} ({})", from, dropped.reason(), dropped.detail());
                } else if (result instanceof HeartbeatCodec.Frame frame) {
                    Optional<HeartbeatDrop> drop = liveness.heard(frame.heartbeat(), System.nanoTime());
                    if (drop.isPresent()) {
                        listener.dropped(drop.get());
                        log.debug("dropped a heartbeat of {} from {}: {}", frame.heartbeat().node(), from, drop.get());
                    } else {
                        listener.received(frame.heartbeat().node());
                    }
                }
            } catch (RuntimeException e) {
                log.warn("handling a heartbeat from {} failed; reading on", from, e);
            }
        }
    }

    /**
     * Stops the rounds and tells every peer this node leaves, so they take its VIPs at once;
     * the socket still reads, so their claims and echoes arrive. Once only.
     */
    public synchronized void sayLeaving() {
        if (left) {
            return;
        }
        left = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            send(liveness.round(System.nanoTime(), true));
        } catch (RuntimeException e) {
            log.debug("could not send the leaving heartbeat", e);
        }
    }

    /** {@link #sayLeaving()} if not said yet, then closes the socket. */
    @Override
    public void close() {
        sayLeaving();
        running = false;
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing the heartbeat socket", e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
