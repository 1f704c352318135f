package io.herald.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The prober's output in, gaps out: no namespaces needed. */
class ProbeLogTest {
    private static final long T0 = 1_700_000_000_000_000L; // epoch micros

    /** One line per request sent every 10 ms: "n1" answered, "-" failed. */
    private static String output(String... answers) {
        StringBuilder out = new StringBuilder("started " + T0 + "\n");
        // in completion order, as the prober prints them: failures (timeouts) come late
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < answers.length; i++) {
                boolean ok = !answers[i].equals("-");
                if (ok == (pass == 0)) {
                    out.append(i).append(' ').append(T0 + i * 10_000L).append(" 900 ")
                            .append(ok ? "ok " + answers[i] : "fail connect-timeout").append('\n');
                }
            }
        }
        return out.append("done ").append(answers.length).append('\n').toString();
    }

    @Test
    void everyRequestAnsweredLeavesAGapOfOneInterval() {
        ProbeLog log = ProbeLog.parse(output("n1", "n1", "n1", "n1"));
        assertEquals(4, log.successes());
        assertEquals(Duration.ofMillis(10), log.longestGap().length());
        assertEquals(0, log.longestGap().failedAttempts());
    }

    @Test
    void failoverGapRunsFromTheLastAnswerToTheFirstAnswerAfterAndNamesBothNodes() {
        ProbeLog log = ProbeLog.parse(output("n1", "n1", "-", "-", "-", "n2", "n2", "-", "n2"));
        ProbeLog.Gap gap = log.longestGap();
        assertEquals(Duration.ofMillis(40), gap.length(), "sent at 10 ms, next answer sent at 50 ms");
        assertEquals(3, gap.failedAttempts());
        assertEquals(Optional.of("n1"), gap.nodeBefore());
        assertEquals(Optional.of("n2"), gap.nodeAfter());
        assertEquals(log.started().plusMillis(10), gap.from());
        assertEquals(List.of("n1", "n2"), log.nodes());
        assertEquals(4, log.failures());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), log.attempts().stream().map(ProbeLog.Attempt::seq).toList(),
                "sorted by sending order whatever the completion order");
    }

    @Test
    void noAnswerUntilTheEndIsAGapWithNobodyAfter() {
        ProbeLog.Gap gap = ProbeLog.parse(output("n3", "-", "-", "-", "-")).longestGap();
        assertEquals(Duration.ofMillis(40), gap.length());
        assertEquals(Optional.of("n3"), gap.nodeBefore());
        assertEquals(Optional.empty(), gap.nodeAfter());
        assertEquals(4, gap.failedAttempts());
    }

    @Test
    void noAnswerAtFirstCountsFromTheProbesStart() {
        ProbeLog.Gap gap = ProbeLog.parse(output("-", "-", "n2")).longestGap();
        assertEquals(Duration.ofMillis(20), gap.length());
        assertEquals(Optional.empty(), gap.nodeBefore());
        assertEquals(Optional.of("n2"), gap.nodeAfter());
    }

    @Test
    void aProberThatNeverStartedIsAnError() {
        assertThrows(IllegalStateException.class, () -> ProbeLog.parse("Error: could not find main class\n"));
    }

    @Test
    void onlyA200WithANodeNameCountsAsAnAnswer() {
        assertEquals("ok n1", Prober.answer("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nn1\n"));
        assertEquals("ok n2", Prober.answer("HTTP/1.0 200 OK\r\n\r\npod web-7d9f-x2 on node n2\n"));
        assertEquals("fail bad-body", Prober.answer("HTTP/1.0 200 OK\r\n\r\npod web-7d9f-x2 on n2\n"));
        assertEquals("fail bad-reply", Prober.answer("HTTP/1.1 503 Service Unavailable\r\n\r\nn1\n"));
        assertEquals("fail bad-body", Prober.answer("HTTP/1.0 200 OK\r\n\r\n"));
        assertEquals("fail bad-reply", Prober.answer(""));
    }
}
