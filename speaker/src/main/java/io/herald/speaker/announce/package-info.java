/**
 * Announcing on the wire: the socket I/O around the pure codecs of
 * {@link io.herald.speaker.l2}. {@link io.herald.speaker.announce.Announcer#announce} takes
 * the set of (VIP, interface) pairs this node should answer for; the
 * {@link io.herald.speaker.announce.PcapAnnouncer} opens a pcap4j handle per interface in
 * use, hands every captured ARP packet and Neighbor Solicitation to the responders, sends
 * their replies, and sends the takeover bursts and refreshes. What it sees and does goes to
 * an {@link io.herald.speaker.announce.Announcer.Listener}.
 *
 * <p>IPv6: the announcer joins each IPv6 VIP's solicited-node multicast group on its
 * interface (see {@code SolicitedNodeGroups}) rather than making the interface promiscuous,
 * so NICs and MLD-snooping switches deliver the solicitations for the VIP.
 *
 * <p>{@link io.herald.speaker.announce.Links} says which interfaces to announce on when a
 * pool names none; {@link io.herald.speaker.announce.Libpcap} finds the runtime libpcap.
 */
package io.herald.speaker.announce;
