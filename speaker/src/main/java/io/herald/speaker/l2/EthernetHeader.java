package io.herald.speaker.l2;

/**
 * The Ethernet II header, as pcap hands frames over on an Ethernet link (DLT_EN10MB): no
 * preamble and no FCS. Bytes after the payload (the padding of short frames, or an FCS a
 * driver kept) are ignored.
 */
record EthernetHeader(MacAddress destination, MacAddress source, int etherType) {
    static final int LENGTH = 14;
    /** The 64-byte Ethernet minimum less the 4-byte FCS the NIC appends. */
    static final int MIN_FRAME = 60;

    static final int ARP = 0x0806;
    static final int IPV6 = 0x86dd;
    private static final int VLAN = 0x8100;
    private static final int QINQ = 0x88a8;
    private static final int QINQ_LEGACY = 0x9100;

    /** Reads the header; rejects frames too short for it and tagged frames (see {@link DropReason#VLAN_TAGGED}). */
    static EthernetHeader decode(byte[] frame) {
        if (frame.length < LENGTH) {
            throw new FrameRejected(DropReason.TRUNCATED);
        }
        int type = NetworkOrder.u16(frame, 12);
        if (type == VLAN || type == QINQ || type == QINQ_LEGACY) {
            throw new FrameRejected(DropReason.VLAN_TAGGED);
        }
        return new EthernetHeader(MacAddress.read(frame, 0), MacAddress.read(frame, 6), type);
    }

    /**
     * A frame with this header and room for {@code payloadLength} bytes after it, zero-padded
     * to the Ethernet minimum. We pad ourselves, as mdlayher/ethernet does, rather than trust
     * every driver to pad what a packet socket sends: a runt is dropped by the first switch.
     */
    byte[] newFrame(int payloadLength) {
        byte[] frame = new byte[Math.max(MIN_FRAME, LENGTH + payloadLength)];
        destination.write(frame, 0);
        source.write(frame, 6);
        NetworkOrder.putU16(frame, 12, etherType);
        return frame;
    }

    /** Whether a host that owns {@code self} receives this frame: broadcast, multicast, or unicast to it. */
    boolean isFor(MacAddress self) {
        return destination.isMulticast() || destination.equals(self);
    }
}
