package io.herald.speaker.announce;

import java.util.Set;

/** Makes the LAN deliver the wanted VIPs to this node. */
public interface Announcer extends AutoCloseable {
    /** Desired state: exactly these VIPs on these interfaces; new pairs get a gratuitous burst. */
    void announce(Set<Announcement> wanted);

    @Override
    void close();
}
