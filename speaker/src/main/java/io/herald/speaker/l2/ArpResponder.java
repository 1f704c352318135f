package io.herald.speaker.l2;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.Decision.Drop;
import io.herald.speaker.l2.Decision.Reply;
import java.math.BigInteger;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Answers ARP requests for the IPv4 VIPs this node announces, as the Linux kernel answers
 * for its own addresses. Pure: a frame in, a decision out; the capture loop sends and counts.
 */
public final class ArpResponder {
    private static final IpAddress UNSPECIFIED = IpAddress.of(Family.IPV4, BigInteger.ZERO);

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
        EthernetHeader ethernet;
        ArpPacket arp;
        try {
            ethernet = EthernetHeader.decode(frame);
            if (ethernet.etherType() != EthernetHeader.ARP) {
                return new Drop(DropReason.NOT_ARP);
            }
            arp = ArpPacket.decode(frame, EthernetHeader.LENGTH);
        } catch (FrameRejected e) {
            return new Drop(e.reason());
        } catch (RuntimeException e) {
            // The decoder checks every length before it reads; this only keeps hostile input
            // from ever reaching the capture loop as an exception.
            return new Drop(DropReason.MALFORMED);
        }
        return decide(ethernet, arp, iface.mac(), owns);
    }

    private static Decision decide(EthernetHeader ethernet, ArpPacket arp, MacAddress self, Predicate<IpAddress> owns) {
        // Our MAC as the ARP sender behind another Ethernet source is our frame sent back by a bridge or a loop.
        if (ethernet.source().equals(self) || arp.senderMac().equals(self)) {
            return new Drop(DropReason.OWN_FRAME);
        }
        if (!ethernet.isFor(self)) {
            return new Drop(DropReason.NOT_ADDRESSED_TO_US);
        }
        if (!arp.senderMac().isUnicast() || !canSendFrom(arp.senderIp())) {
            return new Drop(DropReason.BAD_SENDER);
        }
        boolean probe = arp.senderIp().equals(UNSPECIFIED);
        // RFC 5227 2.4: any ARP, request or reply, whose sender IP is ours but sender MAC is not.
        if (!probe && owns.test(arp.senderIp())) {
            return new Drop(DropReason.ADDRESS_CONFLICT);
        }
        if (arp.operation() != ArpPacket.REQUEST) {
            return new Drop(DropReason.NOT_A_REQUEST);
        }
        if (!probe && arp.senderIp().equals(arp.targetIp())) {
            return new Drop(DropReason.GRATUITOUS);
        }
        if (!owns.test(arp.targetIp())) {
            return new Drop(DropReason.NOT_OWNED);
        }
        // Unicast to the sender hardware address, as Linux's arp_process() does. For an
        // RFC 5227 probe the target IP stays 0.0.0.0, so the prober sees its address is taken.
        ArpPacket reply = new ArpPacket(ArpPacket.REPLY, self, arp.targetIp(), arp.senderMac(), arp.senderIp());
        return new Reply(reply.frame(arp.senderMac(), self), arp.targetIp(), arp.senderMac());
    }

    /** False for the sources Linux treats as martian and would not answer: 0/8 (bar a probe's 0.0.0.0), loopback, multicast, broadcast. */
    private static boolean canSendFrom(IpAddress sender) {
        if (sender.equals(UNSPECIFIED)) {
            return true;
        }
        long value = sender.value().longValue();
        int first = (int) (value >>> 24);
        return first != 0 && first != 127 && (first < 224 || first > 239) && value != 0xffff_ffffL;
    }
}
