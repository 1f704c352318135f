package io.herald.testkit.net;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A short command (ip, curl, sysctl, kubectl) run to its end, or killed at its deadline. */
public final class Exec {
    public static final Duration SHORT = Duration.ofSeconds(10);

    private Exec() {}

    /** What a command left: exit code (-1 when killed at the deadline), stdout, stderr. */
    public record Result(List<String> command, int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        /** stdout, or an exception naming the command and what it said. */
        public String orThrow() {
            if (!ok()) {
                throw new IllegalStateException(String.join(" ", command) + " failed"
                        + (exit < 0 ? " (killed at its deadline)" : " with exit " + exit) + ": " + (err + out).strip());
            }
            return out;
        }
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, null, List.of(command));
    }

    /**
     * Runs {@code command}, feeding it {@code input} when not null. Waits even when the
     * thread is interrupted, so that teardown finishes; the interrupt is kept for the caller.
     */
    public static Result run(Duration timeout, String input, List<String> command) {
        Path out = null;
        Path err = null;
        boolean interrupted = false;
        try {
            out = Files.createTempFile("herald-lab-", ".out");
            err = Files.createTempFile("herald-lab-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            try (OutputStream stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            int exit = -1;
            while (true) {
                try {
                    long left = deadline - System.nanoTime();
                    if (process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                        exit = process.exitValue();
                    } else {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return new Result(command, exit, Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left in /tmp is no reason to fail a teardown
            }
        }
    }
}
