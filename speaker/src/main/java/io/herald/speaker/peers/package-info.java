/**
 * Speakers hearing each other on the LAN: authenticated UDP heartbeats beside the node
 * Leases, so a dead node is noticed in well under a second and an API-server outage does
 * not silence the VIPs.
 *
 * <p>Split like the ARP responder: {@link io.herald.speaker.peers.HeartbeatCodec} turns
 * bytes into a {@link io.herald.speaker.peers.Heartbeat} or a drop reason and back;
 * {@link io.herald.speaker.peers.PeerLiveness} is the pure rule of who is live; the
 * socket loop is a thin shell around both.
 */
package io.herald.speaker.peers;
