/**
 * ARP and NDP on the wire: value types, frame codecs and the responders that decide, from
 * the bytes of one captured frame, whether and what to answer. Nothing here opens a socket
 * or keeps state; the capture loop feeds frames in (Ethernet II as pcap gives them on an
 * Ethernet link, no FCS), sends the replies, and counts the drop reasons.
 */
package io.herald.speaker.l2;
