package io.herald.speaker.l2;

import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.Decision.Drop;
import io.herald.speaker.l2.Decision.Reply;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Answers IPv6 Neighbor Solicitations for the VIPs this node announces with Neighbor
 * Advertisements, as the Linux kernel answers for its own addresses. Pure: a frame in, a
 * decision out; the capture loop sends and counts.
 */
public final class NdpResponder {
    private static final IpAddress LOOPBACK = IpAddress.parse("::1");

    /**
     * Decides what to do with one captured frame.
     *
     * @param frame an Ethernet frame as captured, without FCS
     * @param iface the interface it came in on
     * @param owns  whether this node announces an address right now
     * @return a {@link Reply} to send out of {@code iface}, or a {@link Drop} with the reason;
     *         never throws on any content of {@code frame}
     */
    public Decision handle(byte[] frame, InterfaceInfo iface, Predicate<IpAddress> owns) {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(owns, "owns");
        NeighborSolicitation solicitation;
        try {
            EthernetHeader ethernet = EthernetHeader.decode(frame);
            if (ethernet.etherType() != EthernetHeader.IPV6) {
                return new Drop(DropReason.NOT_ICMPV6);
            }
            solicitation = NeighborSolicitation.decode(frame, ethernet);
        } catch (FrameRejected e) {
            return new Drop(e.reason());
        } catch (RuntimeException e) {
            // The decoder checks every length before it reads; this only keeps hostile input
            // from ever reaching the capture loop as an exception.
            return new Drop(DropReason.MALFORMED);
        }
        return decide(solicitation, iface.mac(), owns);
    }

    private static Decision decide(NeighborSolicitation solicitation, MacAddress self, Predicate<IpAddress> owns) {
        EthernetHeader ethernet = solicitation.ethernet();
        // Linux answers to the link-layer address the option gives, else to the frame's source.
        MacAddress asker = solicitation.sourceLinkLayer().orElse(ethernet.source());
        // Our MAC in the option behind another Ethernet source is our frame sent back by a bridge or a loop.
        if (ethernet.source().equals(self) || asker.equals(self)) {
            return new Drop(DropReason.OWN_FRAME);
        }
        if (!ethernet.isFor(self)) {
            return new Drop(DropReason.NOT_ADDRESSED_TO_US);
        }
        IpAddress source = solicitation.source();
        if (!asker.isUnicast() || Icmpv6.isMulticast(source) || source.equals(LOOPBACK)) {
            return new Drop(DropReason.BAD_SENDER);
        }
        boolean duplicateAddressDetection = source.equals(Icmpv6.UNSPECIFIED);
        if (!duplicateAddressDetection && owns.test(source)) {
            return new Drop(DropReason.ADDRESS_CONFLICT);
        }
        IpAddress vip = solicitation.target();
        if (!owns.test(vip)) {
            return new Drop(DropReason.NOT_OWNED);
        }
        // RFC 4861 7.2.4: a host checking whether the VIP is free has no address to answer
        // to yet, so the answer goes to all nodes with Solicited clear; it learns the VIP is taken.
        byte[] reply = duplicateAddressDetection
                ? NeighborAdvertisement.frame(MacAddress.IPV6_ALL_NODES, self, vip, Icmpv6.ALL_NODES, NeighborAdvertisement.OVERRIDE)
                : NeighborAdvertisement.frame(asker, self, vip, source, NeighborAdvertisement.SOLICITED | NeighborAdvertisement.OVERRIDE);
        return new Reply(reply, vip, asker);
    }
}
