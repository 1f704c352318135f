package io.herald.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system command (ip, ...) with a time limit; fails with its output when it fails. */
public final class Shell {
    private Shell() {}

    public static String run(String... command) throws IOException, InterruptedException {
        // Output goes to a file, not a pipe: a command that prints more than a pipe holds would block forever.
        java.nio.file.Path out = java.nio.file.Files.createTempFile("herald-shell-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
            String output = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed with exit code " + process.exitValue() + ": " + output
                        + (output.contains("Operation not permitted") ? " (these tests need root: CAP_NET_ADMIN)" : ""));
            }
            return output;
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    /** For clean-up: runs the command and ignores failure. */
    public static void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException e) {
            // already gone, or never made
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static List<String> lines(String... command) throws IOException, InterruptedException {
        return run(command).lines().toList();
    }
}
