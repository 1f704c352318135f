package io.herald.e2e.lab;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a {@link Probe} saw: every request it sent, in sending order. */
public record ProbeLog(Instant started, List<Attempt> attempts) {
    /**
     * One request: when it was sent (wall clock of the prober, comparable with the test's
     * {@code Instant.now()}), whether a node answered within the timeout, which one
     * ({@code ""} when none) and how long it took; {@code failure} names why not
     * ("connect-timeout", "read-timeout", "reset", "ConnectException", ...) and is {@code ""} on success.
     */
    public record Attempt(int seq, Instant sent, boolean ok, String node, Duration took, String failure,
            boolean afterReset) {}

    /**
     * The longest stretch without a successful answer: from the send time of the last
     * success before it ({@code from}; the probe's start when there was none) to the send
     * time of the first success after it ({@code to}; the last request when none came).
     * With every request answered it is about one interval long.
     */
    public record Gap(Duration length, Instant from, Instant to, Optional<String> nodeBefore, Optional<String> nodeAfter,
                      int failedAttempts) {
        @Override
        public String toString() {
            return length.toMillis() + " ms without an answer (" + failedAttempts + " requests failed), "
                    + nodeBefore.orElse("nobody") + " → " + nodeAfter.orElse("nobody");
        }
    }

    public ProbeLog {
        attempts = attempts.stream().sorted(Comparator.comparingInt(Attempt::seq)).toList();
    }

    public long successes() {
        return attempts.stream().filter(Attempt::ok).count();
    }

    /** Requests answered only on a second connection, the first having been reset by a VIP move. */
    public long retriedAfterReset() {
        return attempts.stream().filter(Attempt::afterReset).count();
    }

    public long failures() {
        return attempts.size() - successes();
    }

    /** Why requests failed, "reason: count", most frequent first; empty when none did. */
    public String failureReasons() {
        return attempts.stream().filter(a -> !a.ok()).collect(java.util.stream.Collectors.groupingBy(Attempt::failure,
                java.util.TreeMap::new, java.util.stream.Collectors.counting())).entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).map(e -> e.getKey() + ": " + e.getValue())
                .reduce((a, b) -> a + ", " + b).orElse("");
    }

    /** The answering nodes in the order they first answered. */
    public List<String> nodes() {
        return attempts.stream().filter(Attempt::ok).map(Attempt::node).distinct().toList();
    }

    public Gap longestGap() {
        Instant lastOk = started;
        Optional<String> lastNode = Optional.empty();
        int failed = 0;
        Gap longest = new Gap(Duration.ZERO, started, started, Optional.empty(), Optional.empty(), 0);
        for (Attempt attempt : attempts) {
            if (!attempt.ok()) {
                failed++;
                continue;
            }
            Gap gap = new Gap(Duration.between(lastOk, attempt.sent()), lastOk, attempt.sent(), lastNode,
                    Optional.of(attempt.node()), failed);
            if (gap.length().compareTo(longest.length()) > 0) {
                longest = gap;
            }
            lastOk = attempt.sent();
            lastNode = Optional.of(attempt.node());
            failed = 0;
        }
        if (failed > 0) {
            Instant end = attempts.get(attempts.size() - 1).sent();
            Gap tail = new Gap(Duration.between(lastOk, end), lastOk, end, lastNode, Optional.empty(), failed);
            if (tail.length().compareTo(longest.length()) >= 0) {
                longest = tail;
            }
        }
        return longest;
    }

    /** Reads the prober's output (see {@link Prober}); lines it does not know are skipped. */
    static ProbeLog parse(String output) {
        Instant started = null;
        List<Attempt> attempts = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] w = line.split(" ");
            if (w.length == 2 && w[0].equals("started")) {
                started = micros(w[1]);
            } else if ((w.length == 5 || w.length == 6) && w[0].chars().allMatch(Character::isDigit) && !w[0].isEmpty()) {
                boolean ok = w[3].equals("ok");
                attempts.add(new Attempt(Integer.parseInt(w[0]), micros(w[1]), ok, ok ? w[4] : "",
                        Duration.ofNanos(Long.parseLong(w[2]) * 1000), ok ? "" : w[4], w.length == 6 && w[5].equals("after-reset")));
            }
        }
        if (started == null) {
            throw new IllegalStateException("the prober never started; its output:\n" + output);
        }
        return new ProbeLog(started, attempts);
    }

    private static Instant micros(String text) {
        long micros = Long.parseLong(text);
        return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
    }
}
