package io.herald.speaker;

import io.herald.speaker.announce.Announcement;
import io.herald.speaker.announce.Announcer;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Where the speaker gets its announcer. NOT YET WIRED: until the pcap announcer lands
 * this one only logs what it would answer for, and no frame is sent.
 */
final class Announcers {
    private static final Logger log = LogManager.getLogger(Announcers.class);

    private Announcers() {}

    static Announcer create(SpeakerMetrics metrics) {
        log.warn("this build does not answer ARP / NDP yet: ownership is decided and reported, nothing is sent");
        return new Announcer() {
            @Override
            public void announce(Set<Announcement> wanted) {}

            @Override
            public void close() {}
        };
    }

    static SpeakerLoop.Interfaces interfaces() {
        return pool -> pool.interfaces();
    }
}
