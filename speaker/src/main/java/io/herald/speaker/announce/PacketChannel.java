package io.herald.speaker.announce;

import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.InterfaceInfo;
import java.io.IOException;
import java.util.Set;

/**
 * Raw Ethernet frames in and out of one interface: the only I/O an interface's capture
 * does. {@link PcapChannel} is the real one; tests hand the announcer their own.
 */
interface PacketChannel extends AutoCloseable {

    /**
     * The next ARP packet or Neighbor Solicitation, as a whole Ethernet frame; null when
     * {@link #wakeUp()} was called or the read gave up without a frame. Blocks meanwhile.
     *
     * @throws IOException when the channel is closed or broken; it will not recover
     */
    byte[] receive() throws IOException;

    /** Sends a whole Ethernet frame. Safe to call from several threads, and while another one receives. */
    void send(byte[] frame) throws IOException;

    /** Makes a {@link #receive()} blocked in another thread, or the next one, return soon. */
    void wakeUp();

    /**
     * Makes sure Neighbor Solicitations for these IPv6 VIPs reach this channel, and stops
     * caring for the ones left out. Called with the full set each time.
     *
     * @throws IOException if solicitations for some of them cannot be received; the message
     *         names them and the fix. The others are taken care of.
     */
    void listenFor(Set<IpAddress> ipv6Vips) throws IOException;

    @Override
    void close();

    /** Opens the channel of one interface. */
    @FunctionalInterface
    interface Opener {
        /** @throws IOException whose message names the interface and says how to fix it */
        PacketChannel open(InterfaceInfo iface) throws IOException;
    }
}
