package io.herald.common.serve;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The life of a long-running command: things to close are registered as they start
 * and closed in reverse order on SIGTERM / SIGINT, then the logs are flushed.
 */
public final class Daemon {
    private static final Logger log = LogManager.getLogger(Daemon.class);

    private final String name;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    public Daemon(String name) {
        this.name = name;
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, name + "-shutdown"));
    }

    /** Registers something to close on stop; the last registered closes first. */
    public synchronized <T extends AutoCloseable> T closeOnStop(T closeable) {
        toClose.push(closeable);
        return closeable;
    }

    /** Blocks the calling thread until the process is told to stop. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    public boolean stopping() {
        return stopping;
    }

    private void shutdown() {
        stopping = true;
        log.info("{} stopping", name);
        closeAll();
        log.info("{} stopped", name);
        stopped.countDown();
        LogManager.shutdown();
    }

    /** Closes everything registered so far; also used when start-up fails half way. */
    public synchronized void closeAll() {
        while (!toClose.isEmpty()) {
            AutoCloseable c = toClose.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("{}: error while closing {}: {}", name, c, e.toString());
            }
        }
    }
}
