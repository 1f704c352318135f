package io.herald.speaker.announce;

import io.herald.common.ip.IpAddress;

/** Answer for {@code vip} on interface {@code interfaceName}. */
public record Announcement(IpAddress vip, String interfaceName) {}
