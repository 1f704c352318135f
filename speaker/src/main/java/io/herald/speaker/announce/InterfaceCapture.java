package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.Announcer.Listener;
import io.herald.speaker.l2.ArpResponder;
import io.herald.speaker.l2.Decision;
import io.herald.speaker.l2.DropReason;
import io.herald.speaker.l2.InterfaceInfo;
import io.herald.speaker.l2.NdpResponder;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One interface in use: its channel, the read loop on its own daemon thread, and the VIPs
 * it answers for. The responders decide; this only moves frames and counts.
 */
final class InterfaceCapture implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(InterfaceCapture.class);
    /** close() waits this long, waking the read loop every {@link #WAKE_EVERY_MILLIS}, before it gives up on the thread. */
    private static final long STOP_WAIT_MILLIS = 1_000;
    private static final long WAKE_EVERY_MILLIS = 100;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final byte ICMPV6 = 58;
    private static final int NA_TYPE = 136;
    /** Ethernet (14) + IPv6 (40) + type, code, checksum, flags (8): the advertised target address. */
    private static final int NA_TARGET = 14 + 40 + 8;

    private final InterfaceInfo iface;
    private final PacketChannel channel;
    private final Listener listener;
    private final ArpResponder arp = new ArpResponder();
    private final NdpResponder ndp = new NdpResponder();
    private final Thread reader;
    private final AnnounceGate gate;

    private volatile Set<IpAddress> announced = Set.of();
    /** VIPs given up to another node, still answered until their deadline ({@code System.nanoTime()}) or a claim. */
    private final java.util.concurrent.ConcurrentHashMap<IpAddress, Long> handingOver = new java.util.concurrent.ConcurrentHashMap<>();
    /** When another MAC last claimed each VIP we answer for (its gratuitous ARP, or an ARP with it as sender). */
    private final java.util.concurrent.ConcurrentHashMap<IpAddress, Long> claimedNanos = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile String failure;
    private String listenProblem;

    InterfaceCapture(InterfaceInfo iface, PacketChannel channel, Listener listener, AnnounceGate gate) {
        this.iface = Objects.requireNonNull(iface, "iface");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.reader = new Thread(this::readLoop, "herald-capture-" + iface.name());
        reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    InterfaceInfo iface() {
        return iface;
    }

    /**
     * Answers for exactly {@code vips} from now on, and makes sure solicitations for the
     * IPv6 ones arrive. A problem with the latter is reported once until it changes.
     */
    void announce(Set<IpAddress> vips) {
        announce(vips, Set.of());
    }

    /**
     * Answers {@code vips}, and {@code handOver} too until another MAC claims each of them
     * or {@code Announcer.HAND_OVER_LIMIT} passes, whatever later calls say, unless they
     * want it again. A VIP claimed by another MAC in the last
     * {@code HAND_OVER_LIMIT} is not handed over at all: its taker is there already.
     */
    void announce(Set<IpAddress> vips, Set<IpAddress> handOver) {
        long now = System.nanoTime();
        long limit = Announcer.HAND_OVER_LIMIT.toNanos();
        for (IpAddress vip : handOver) {
            if (vips.contains(vip) || !announced.contains(vip) && !handingOver.containsKey(vip)) {
                continue; // only what this interface answered until now is handed over
            }
            Long claimed = claimedNanos.get(vip);
            if (claimed == null || now - claimed > limit) {
                handingOver.putIfAbsent(vip, now + limit);
            }
        }
        // A hand-over lasts until claimed or past its limit, through later decisions; only taking the VIP back ends it.
        handingOver.keySet().removeIf(vips::contains);
        announced = Set.copyOf(vips);
        claimedNanos.keySet().retainAll(vips);
        Set<IpAddress> ipv6 = vips.stream().filter(vip -> vip.family() == Family.IPV6).collect(Collectors.toUnmodifiableSet());
        try {
            channel.listenFor(ipv6);
            if (listenProblem != null) {
                log.info("{} now receives Neighbor Solicitations for all its IPv6 VIPs", iface.name());
                listenProblem = null;
            }
        } catch (IOException e) {
            if (!e.getMessage().equals(listenProblem)) {
                listenProblem = e.getMessage();
                log.warn(listenProblem);
                listener.interfaceFailed(iface.name(), listenProblem);
            }
        }
    }

    boolean owns(IpAddress vip) {
        if (announced.contains(vip)) {
            return true;
        }
        Long until = handingOver.get(vip);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until >= 0) {
            handingOver.remove(vip, until);
            return false;
        }
        return true;
    }

    /** True when no hand-over is left (each claimed by its taker, or past its limit). */
    boolean handedOver() {
        long now = System.nanoTime();
        handingOver.entrySet().removeIf(e -> now - e.getValue() >= 0);
        return handingOver.isEmpty();
    }

    /** Why the read loop stopped by itself, or null while it runs. */
    String failure() {
        return failure;
    }

    /** Whether this node's view is current enough to send an announcement now (see {@link AnnounceGate}). */
    boolean mayAnnounce() {
        return gate.isOpen(System.nanoTime());
    }

    /** Sends a frame out of this interface; false, and logged, if it could not be sent. */
    boolean send(byte[] frame) {
        try {
            channel.send(frame);
            return true;
        } catch (IOException e) {
            if (running) {
                log.warn(e.getMessage());
            }
            return false;
        }
    }

    /** Stops answering at once, then stops the read loop and releases the channel. */
    @Override
    public void close() {
        announced = Set.of();
        running = false;
        long deadline = System.nanoTime() + STOP_WAIT_MILLIS * 1_000_000;
        boolean interrupted = false;
        while (reader.isAlive() && System.nanoTime() - deadline < 0) {
            channel.wakeUp();
            try {
                reader.join(WAKE_EVERY_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (reader.isAlive()) {
            // Closing the handle would wait for the blocked read; let a helper do that so we never hang.
            log.warn("the capture on {} did not stop within {} ms; its socket is released in the background", iface.name(), STOP_WAIT_MILLIS);
            Thread closer = new Thread(channel::close, "herald-capture-close-" + iface.name());
            closer.setDaemon(true);
            closer.start();
        } else {
            channel.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void readLoop() {
        while (running) {
            byte[] frame;
            try {
                frame = channel.receive();
            } catch (IOException e) {
                if (running) {
                    failure = e.getMessage();
                    log.warn(failure);
                    listener.interfaceFailed(iface.name(), failure);
                }
                return;
            }
            if (frame == null || !running) {
                continue;
            }
            try {
                handle(frame);
            } catch (RuntimeException e) {
                log.warn("handling a frame on {} failed; the capture goes on", iface.name(), e);
            }
        }
    }

    /** Hands one frame to the responder of its family and acts on the decision. */
    private void handle(byte[] frame) {
        if (isNeighborAdvertisement(frame)) {
            noteClaim6(frame); // another node's advertisement: nothing to answer
            return;
        }
        noteClaim(frame);
        Family family = etherType(frame) == ETHERTYPE_IPV6 ? Family.IPV6 : Family.IPV4;
        listener.requestReceived(family, iface.name());
        Decision decision = family == Family.IPV6 ? ndp.handle(frame, iface, this::owns) : arp.handle(frame, iface, this::owns);
        if (decision instanceof Decision.Reply reply) {
            if (!owns(reply.vip())) {
                // Removed while the responder looked: it is not ours to answer any more.
                listener.dropped(DropReason.NOT_OWNED, iface.name());
            } else if (!gate.isOpen(System.nanoTime())) {
                listener.dropped(DropReason.STALE_VIEW, iface.name());
            } else if (send(reply.frame())) {
                listener.replySent(family, reply.vip(), iface.name());
            }
        } else if (decision instanceof Decision.Drop drop) {
            listener.dropped(drop.reason(), iface.name());
        }
    }

    /**
     * An untagged ARP frame from another MAC whose sender address is a VIP we answer for is
     * that VIP's new owner announcing itself: a hand-over of it ends here.
     */
    private void noteClaim(byte[] frame) {
        if (frame.length < 42 || etherType(frame) != 0x0806 || frame[12] != 0x08 || frame[13] != 0x06) {
            return;
        }
        if (fromUs(frame, 22)) {
            return;
        }
        IpAddress sender = IpAddress.of(Family.IPV4, new java.math.BigInteger(1, java.util.Arrays.copyOfRange(frame, 28, 32)));
        claimed(sender, frame, 22);
    }

    /** An untagged Neighbor Advertisement, ICMPv6 directly after the IPv6 header, long enough to name its target. */
    private static boolean isNeighborAdvertisement(byte[] frame) {
        return frame.length >= NA_TARGET + 16 && frame[12] == (byte) 0x86 && frame[13] == (byte) 0xdd
                && frame[20] == ICMPV6 && (frame[54] & 0xff) == NA_TYPE;
    }

    /**
     * A Neighbor Advertisement from another MAC whose target is a VIP we answer for is that
     * VIP's new owner announcing itself (its unsolicited advertisement): a hand-over of it
     * ends here, as {@link #noteClaim} does for ARP.
     */
    private void noteClaim6(byte[] frame) {
        if (fromUs(frame, 6)) {
            return;
        }
        IpAddress target = IpAddress.of(Family.IPV6, new java.math.BigInteger(1,
                java.util.Arrays.copyOfRange(frame, NA_TARGET, NA_TARGET + 16)));
        claimed(target, frame, 6);
    }

    private boolean fromUs(byte[] frame, int macAt) {
        byte[] mac = iface.mac().bytes();
        for (int i = 0; i < 6; i++) {
            if (frame[macAt + i] != mac[i]) {
                return false;
            }
        }
        return true;
    }

    private void claimed(IpAddress vip, byte[] frame, int macAt) {
        if (announced.contains(vip) || handingOver.containsKey(vip)) {
            claimedNanos.put(vip, System.nanoTime());
            if (handingOver.remove(vip) != null) {
                log.debug("{}: {} claimed by {}; hand-over done", iface.name(), vip,
                        java.util.HexFormat.ofDelimiter(":").formatHex(frame, macAt, macAt + 6));
            }
        }
    }

    /** The EtherType, or for a VLAN-tagged frame the one inside the tag (the responders drop tagged frames either way). */
    private static int etherType(byte[] frame) {
        if (frame.length < 14) {
            return -1;
        }
        int type = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
        if ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && frame.length >= 18) {
            return ((frame[16] & 0xff) << 8) | (frame[17] & 0xff);
        }
        return type;
    }
}
