package io.herald.e2e.lab;

import io.herald.e2e.HeraldProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/** A {@link Prober} running in the client's namespace; {@link #await()} gives its {@link ProbeLog}. */
public final class Probe implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(30);

    private final HeraldProcess process;
    private final Duration total;
    private final Duration timeout;
    private final Instant started;

    private Probe(HeraldProcess process, Duration total, Duration timeout, Instant started) {
        this.process = process;
        this.total = total;
        this.timeout = timeout;
        this.started = started;
    }

    /** Returns once the prober's clock has started: its first request leaves at {@link #started()}. */
    static Probe start(HeraldProcess process, Duration total, Duration timeout) throws InterruptedException {
        try {
            process.awaitLine("^started ", STARTUP);
        } catch (AssertionError e) {
            close(process);
            throw e;
        }
        return new Probe(process, total, timeout, ProbeLog.parse(process.output()).started());
    }

    /** When the first request went out (the prober's wall clock). */
    public Instant started() {
        return started;
    }

    /** Waits for the last request's answer or deadline, then reads what the prober saw. */
    public ProbeLog await() throws InterruptedException {
        Duration patience = total.plus(timeout).plusSeconds(30);
        int exit = process.awaitExit(patience);
        if (exit != 0) {
            throw new IllegalStateException("the prober exited with " + exit + "; its output:\n" + process.output());
        }
        return ProbeLog.parse(process.output());
    }

    @Override
    public void close() {
        close(process);
    }

    private static void close(HeraldProcess process) {
        try {
            process.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
