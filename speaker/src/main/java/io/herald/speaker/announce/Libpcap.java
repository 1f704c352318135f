package io.herald.speaker.announce;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.pcap4j.core.Pcaps;

/**
 * Finds and loads libpcap for pcap4j. pcap4j asks the system loader for "libpcap.so", which
 * only the -dev packages install; the runtime packages ship a versioned file only
 * (Debian's libpcap0.8: {@code libpcap.so.0.8}). So, unless the user set it, this points
 * pcap4j's {@value #LIBRARY_PROPERTY} property at the first runtime library found, and turns
 * a missing library into one message that says what to install.
 */
public final class Libpcap {
    /** The system property pcap4j reads (in NativeMappings) for the library to load. */
    public static final String LIBRARY_PROPERTY = "org.pcap4j.core.pcapLibName";

    /** Runtime libraries, most likely first: Debian and Ubuntu (by architecture), then RHEL and Fedora, then Alpine and Arch. */
    static final List<String> CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8",
            "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8",
            "/lib/x86_64-linux-gnu/libpcap.so.0.8",
            "/lib/aarch64-linux-gnu/libpcap.so.0.8",
            "/usr/lib64/libpcap.so.1",
            "/usr/lib/libpcap.so.1");

    private static String version;
    private static String failure;

    private Libpcap() {
    }

    /**
     * Loads libpcap if it is not loaded yet and returns its version line. Call this before
     * anything else touches pcap4j: pcap4j reads the property once, when it first loads.
     *
     * @throws IllegalStateException if libpcap cannot be loaded; the message says what to install
     */
    public static synchronized String version() {
        if (version != null) {
            return version;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        String configured = System.getProperty(LIBRARY_PROPERTY);
        if (configured == null) {
            choose(CANDIDATES, Files::isReadable).ifPresent(path -> System.setProperty(LIBRARY_PROPERTY, path));
        }
        try {
            version = Pcaps.libVersion();
            return version;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            // NoClassDefFoundError: pcap4j was loaded, and failed, before we were asked.
            failure = missing(configured, System.getProperty(LIBRARY_PROPERTY), e);
            throw new IllegalStateException(failure, e);
        }
    }

    /** The first candidate that exists. */
    static Optional<String> choose(List<String> candidates, Predicate<Path> exists) {
        return candidates.stream().filter(candidate -> exists.test(Path.of(candidate))).findFirst();
    }

    static String missing(String configured, String tried, Throwable cause) {
        String install = "install it (Debian/Ubuntu: apt-get install libpcap0.8; RHEL/Fedora: dnf install libpcap;"
                + " Alpine: apk add libpcap) and restart the speaker";
        if (configured != null) {
            return "libpcap could not be loaded from " + configured + " (set by -D" + LIBRARY_PROPERTY + "): "
                    + firstLine(cause) + "; fix the path, or unset it and " + install;
        }
        String where = tried == null ? "none of " + String.join(", ", CANDIDATES) + " exists" : tried + " would not load: " + firstLine(cause);
        return "libpcap, which the speaker needs for raw ARP and NDP frames, is missing (" + where + "); " + install
                + ", or point -D" + LIBRARY_PROPERTY + " at the library file";
    }

    private static String firstLine(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
