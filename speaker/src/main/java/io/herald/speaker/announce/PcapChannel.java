package io.herald.speaker.announce;

import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.InterfaceInfo;
import java.io.EOFException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.PcapDirection;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * One pcap4j live handle on one interface: ARP and Neighbor Solicitations in, replies and
 * announcements out of the same handle.
 *
 * <ul>
 *   <li>Not promiscuous: ARP requests are broadcast, and {@link SolicitedNodeGroups} makes
 *       the NIC and the switches deliver the Neighbor Solicitations for our VIPs.</li>
 *   <li>Immediate mode: a request is handed over as it arrives, not when a buffer fills.</li>
 *   <li>Inbound only: our own replies and the kernel's own ARP never come back to us.</li>
 *   <li>Stopping: libpcap 1.10 on Linux does not end a blocking read when the read timeout
 *       passes with no frame at all; {@code pcap_breakloop} wakes it through an eventfd, so
 *       {@link #wakeUp()} calls that. Older libpcaps (TPACKET_V2 in immediate mode) honour
 *       the timeout, which is why one is set too.</li>
 * </ul>
 */
final class PcapChannel implements PacketChannel {
    /**
     * Every ARP packet, and ICMPv6 types 135 (Neighbor Solicitation: to answer) and 136
     * (Neighbor Advertisement: another node claiming a VIP we hand over) directly after the
     * IPv6 header; the responder ignores solicitations behind extension headers anyway.
     */
    static final String FILTER = "arp or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))";
    static final int READ_TIMEOUT_MILLIS = 250;
    private static final int SNAPLEN = 65_535;
    // libpcap's pcap.h
    private static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    private static final int PCAP_ERROR_PERM_DENIED = -8;
    private static final int PCAP_ERROR_IFACE_NOT_UP = -9;

    private final String name;
    private final PcapHandle handle;
    private final SolicitedNodeGroups groups;
    private final Object sending = new Object();

    private PcapChannel(String name, PcapHandle handle) {
        this.name = name;
        this.handle = handle;
        this.groups = new SolicitedNodeGroups(name);
    }

    /** Opens {@code iface}; the exception's message names the interface and says how to fix what went wrong. */
    static PcapChannel open(InterfaceInfo iface) throws IOException {
        String name = iface.name();
        try {
            Libpcap.version();
        } catch (IllegalStateException e) {
            throw new IOException("cannot announce on " + name + ": " + e.getMessage(), e);
        }
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(name)
                    .snaplen(SNAPLEN)
                    .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .immediateMode(true)
                    .direction(PcapDirection.IN)
                    .build();
        } catch (PcapNativeException e) {
            throw new IOException(openFailure(name, e.getReturnCode(), e.getMessage()), e);
        }
        try {
            if (!DataLinkType.EN10MB.equals(handle.getDlt())) {
                throw new IOException("cannot announce on " + name + ": it is not an Ethernet link (pcap link type " + handle.getDlt()
                        + "); Herald answers ARP and NDP on Ethernet interfaces only");
            }
            handle.setFilter(FILTER, BpfCompileMode.OPTIMIZE);
            return new PcapChannel(name, handle);
        } catch (PcapNativeException | NotOpenException e) {
            handle.close();
            throw new IOException("cannot announce on " + name + ": setting the capture filter failed: " + e.getMessage(), e);
        } catch (IOException e) {
            handle.close();
            throw e;
        }
    }

    /** What went wrong opening {@code name}, in the user's words, with the fix. */
    static String openFailure(String name, Integer returnCode, String pcapMessage) {
        int code = returnCode == null ? 0 : returnCode;
        String message = String.valueOf(pcapMessage);
        if (code == PCAP_ERROR_PERM_DENIED || message.contains("Operation not permitted") || message.contains("permission")) {
            return "cannot announce on " + name + ": no permission to open a raw socket (" + message
                    + "); the speaker needs CAP_NET_RAW (securityContext.capabilities.add: [NET_RAW]) and hostNetwork: true";
        }
        if (code == PCAP_ERROR_NO_SUCH_DEVICE) {
            return "cannot announce on " + name + ": there is no such interface on this node (" + message
                    + "); check the pool's interfaces against ip link";
        }
        if (code == PCAP_ERROR_IFACE_NOT_UP) {
            return "cannot announce on " + name + ": the interface is down; bring it up (ip link set " + name + " up)";
        }
        return "cannot announce on " + name + ": libpcap could not open it: " + message;
    }

    @Override
    public byte[] receive() throws IOException {
        try {
            return handle.getNextRawPacketEx();
        } catch (TimeoutException | EOFException e) {
            return null; // read timeout, or pcap_breakloop from wakeUp()
        } catch (NotOpenException e) {
            throw new IOException(name + ": the capture handle is closed", e);
        } catch (PcapNativeException e) {
            throw new IOException("stopped capturing on " + name + ": " + e.getMessage()
                    + "; the interface went down or was removed, and is reopened on the next announcement", e);
        }
    }

    @Override
    public void send(byte[] frame) throws IOException {
        // pcap4j lets several threads in at once; one frame at a time on the socket is plenty.
        synchronized (sending) {
            try {
                handle.sendPacket(frame);
            } catch (PcapNativeException | NotOpenException e) {
                throw new IOException("sending on " + name + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void wakeUp() {
        try {
            handle.breakLoop();
        } catch (NotOpenException e) {
            // already closed: nothing is blocked
        }
    }

    @Override
    public void listenFor(Set<IpAddress> ipv6Vips) throws IOException {
        groups.update(ipv6Vips);
    }

    @Override
    public void close() {
        groups.close();
        handle.close();
    }
}
