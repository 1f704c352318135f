package io.herald.speaker.announce;

import io.herald.speaker.l2.InterfaceInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Whether this process can do what announcing needs, checked the way announcing does it. */
public final class RawSockets {
    /** linux/capability.h */
    private static final int CAP_NET_RAW = 13;

    private RawSockets() {}

    /** Opens and closes the capture handle the announcer would use on {@code iface}: empty, or what failed and the fix. */
    public static Optional<String> problem(InterfaceInfo iface) {
        try {
            PcapChannel.open(iface).close();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Whether CAP_NET_RAW is in this process's effective set, from {@code /proc/self/status}; empty where that cannot be read. */
    public static Optional<Boolean> netRawEffective() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("CapEff:"))
                    .map(line -> (Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16) >> CAP_NET_RAW & 1) == 1)
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
