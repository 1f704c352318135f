package io.herald.speaker.l2;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.herald.common.ip.IpAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/** What both responders must survive, fed the same way to each. */
final class HostileFrames {
    /** ArpResponder::handle or NdpResponder::handle. */
    interface Responder {
        Decision handle(byte[] frame, InterfaceInfo iface, Predicate<IpAddress> owns);
    }

    private HostileFrames() {
    }

    /**
     * Feeds random frames up to {@code maxLength} bytes, every second one starting with up to
     * {@code maxPrefix} bytes of {@code valid} so the fuzzing gets past the first checks, with
     * every address owned; fails if one throws. Returns the drop reasons seen.
     */
    static Set<DropReason> randomFramesNeverThrow(Responder responder, byte[] valid, long seed, int maxLength, int maxPrefix) {
        Random random = new Random(seed);
        Set<DropReason> seen = EnumSet.noneOf(DropReason.class);
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = new byte[random.nextInt(maxLength)];
            random.nextBytes(frame);
            if (i % 2 == 0) {
                System.arraycopy(valid, 0, frame, 0, Math.min(frame.length, 12 + random.nextInt(maxPrefix - 12)));
            }
            Decision decision = assertDoesNotThrow(() -> responder.handle(frame, ArpResponderTest.ETH0, ip -> true));
            assertNotNull(decision);
            if (decision instanceof Decision.Drop drop) {
                seen.add(drop.reason());
            }
        }
        return seen;
    }

    /** The addresses the responder asks {@code owns} about while it handles {@code frame}. */
    static List<IpAddress> addressesAskedAbout(Responder responder, byte[] frame) {
        List<IpAddress> asked = new ArrayList<>();
        responder.handle(frame, ArpResponderTest.ETH0, ip -> asked.add(ip) && false);
        return asked;
    }
}
