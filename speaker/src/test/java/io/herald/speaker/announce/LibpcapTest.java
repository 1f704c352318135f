package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LibpcapTest {
    @Test
    void takesTheFirstRuntimeLibraryThatExists() {
        assertEquals(Optional.of("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8"),
                Libpcap.choose(Libpcap.CANDIDATES, path -> path.toString().endsWith(".so.0.8")));
        assertEquals(Optional.of("/usr/lib64/libpcap.so.1"),
                Libpcap.choose(Libpcap.CANDIDATES, path -> path.equals(Path.of("/usr/lib64/libpcap.so.1"))));
        assertEquals(Optional.empty(), Libpcap.choose(Libpcap.CANDIDATES, path -> false));
    }

    @Test
    void loadsDebiansRuntimePackageWithoutConfiguration() {
        // scripts/setup.sh installs libpcap0.8 and not libpcap-dev, so there is no libpcap.so here.
        assertTrue(Libpcap.version().startsWith("libpcap version"), Libpcap.version());
        assertTrue(System.getProperty(Libpcap.LIBRARY_PROPERTY) != null);
    }

    @Test
    void aMissingLibrarySaysWhatToInstall() {
        String message = Libpcap.missing(null, null, new UnsatisfiedLinkError("Unable to load library 'pcap'"));
        assertTrue(message.startsWith("libpcap, which the speaker needs for raw ARP and NDP frames, is missing (none of "
                + "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8, "), message);
        assertTrue(message.contains("apt-get install libpcap0.8") && message.contains("dnf install libpcap"), message);
    }

    @Test
    void aWrongConfiguredPathIsNamedInAFreshJvm() throws Exception {
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-D" + Libpcap.LIBRARY_PROPERTY + "=/nonexistent/libpcap.so",
                LoadLibpcap.class.getName()).redirectErrorStream(true).start();
        assertTrue(java.waitFor(30, TimeUnit.SECONDS), "the JVM finished");
        String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = output.lines().filter(line -> line.startsWith("message: ")).toList();
        assertEquals(1, lines.size(), output);
        assertTrue(lines.get(0).startsWith("message: libpcap could not be loaded from /nonexistent/libpcap.so (set by -D"
                + Libpcap.LIBRARY_PROPERTY + "): "), output);
        assertTrue(lines.get(0).contains("apt-get install libpcap0.8"), output);
    }

    /** Run in its own JVM: pcap4j loads the library once per JVM. */
    static final class LoadLibpcap {
        public static void main(String[] args) {
            try {
                System.out.println("loaded: " + Libpcap.version());
            } catch (IllegalStateException e) {
                System.out.println("message: " + e.getMessage());
            }
        }
    }
}
