package io.herald.speaker.announce;

import io.herald.speaker.l2.InterfaceInfo;
import java.util.Objects;

/**
 * One of the node's links as the speaker judges it when a pool names no interfaces: fit to
 * announce on (with its MAC and index), or skipped, with the reason a person reads.
 *
 * @param name    the kernel's name
 * @param info    the interface when it is fit, else null
 * @param skipped why it is not used, else null
 */
public record LinkVerdict(String name, InterfaceInfo info, String skipped) {
    public LinkVerdict {
        Objects.requireNonNull(name, "name");
        if ((info == null) == (skipped == null)) {
            throw new IllegalArgumentException("a link is either fit (with its interface) or skipped (with a reason)");
        }
    }

    static LinkVerdict fit(InterfaceInfo info) {
        return new LinkVerdict(info.name(), info, null);
    }

    static LinkVerdict skipped(String name, String why) {
        return new LinkVerdict(name, null, why);
    }

    public boolean fit() {
        return info != null;
    }
}
