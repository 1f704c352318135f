package io.herald.e2e;

import io.herald.testkit.net.Exec;
import java.io.IOException;
import java.time.Duration;

/** Runs a system command (ip, kubectl, ...) with a 30 s limit; fails with its output when it fails. */
public final class Shell {
    private Shell() {}

    public static String run(String... command) throws IOException {
        Exec.Result result = Exec.run(Duration.ofSeconds(30), command);
        if (!result.ok()) {
            String said = (result.err() + result.out()).strip();
            throw new IOException(String.join(" ", command)
                    + (result.exit() < 0 ? " did not finish within 30 s" : " failed with exit code " + result.exit())
                    + ": " + said + (said.contains("Operation not permitted") ? " (these tests need root: CAP_NET_ADMIN)" : ""));
        }
        return result.out();
    }

    /** For clean-up: runs the command and ignores failure. */
    public static void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException | RuntimeException e) {
            // already gone, or never made
        }
    }
}
