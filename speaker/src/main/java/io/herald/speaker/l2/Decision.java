package io.herald.speaker.l2;

import io.herald.common.ip.IpAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** What a responder decided about one inbound frame: send a reply, or drop it for a reason. */
public sealed interface Decision permits Decision.Reply, Decision.Drop {

    /**
     * Send {@code frame} out of the interface the request came in on.
     *
     * @param frame the whole Ethernet frame to send, without FCS
     * @param vip   the announced IP the reply is about
     * @param asker the link-layer address of the host that asked
     */
    record Reply(byte[] frame, IpAddress vip, MacAddress asker) implements Decision {
        public Reply {
            Objects.requireNonNull(frame, "frame");
            Objects.requireNonNull(vip, "vip");
            Objects.requireNonNull(asker, "asker");
            frame = frame.clone();
        }

        /** A copy: the decision stays immutable whoever holds it. */
        @Override
        public byte[] frame() {
            return frame.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reply other && Arrays.equals(frame, other.frame)
                    && vip.equals(other.vip) && asker.equals(other.asker);
        }

        @Override
        public int hashCode() {
            return 31 * Objects.hash(vip, asker) + Arrays.hashCode(frame);
        }

        @Override
        public String toString() {
            return "Reply[vip=" + vip + ", asker=" + asker + ", frame=" + HexFormat.of().formatHex(frame) + "]";
        }
    }

    /** Send nothing; {@code reason} is counted. */
    record Drop(DropReason reason) implements Decision {
        public Drop {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
