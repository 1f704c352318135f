package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.announce.Announcer.Listener;
import io.herald.speaker.l2.GratuitousArp;
import io.herald.speaker.l2.GratuitousBurst;
import io.herald.speaker.l2.UnsolicitedNeighborAdvertisement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends the takeover burst and then the periodic refresh of every announcement, on one
 * daemon thread for all of them, by each family's {@link GratuitousBurst} schedule.
 */
final class BurstScheduler implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(BurstScheduler.class);

    private final Function<Family, GratuitousBurst> schedules;
    private final Listener listener;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<Announcement, Burst> bursts = new HashMap<>();

    BurstScheduler(Function<Family, GratuitousBurst> schedules, Listener listener) {
        this.schedules = schedules;
        this.listener = listener;
        this.executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "herald-gratuitous");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Starts the burst of {@code announcement} out of {@code capture}, unless it already runs. */
    synchronized void start(Announcement announcement, InterfaceCapture capture) {
        if (bursts.containsKey(announcement)) {
            return;
        }
        IpAddress vip = announcement.vip();
        byte[] frame;
        try {
            frame = vip.family() == Family.IPV4
                    ? GratuitousArp.frame(vip, capture.iface().mac())
                    : UnsolicitedNeighborAdvertisement.frame(vip, capture.iface().mac());
        } catch (IllegalArgumentException e) {
            log.warn("not announcing {} with gratuitous frames: {}", announcement, e.getMessage());
            return;
        }
        Burst burst = new Burst(announcement, capture, frame, schedules.apply(vip.family()));
        bursts.put(announcement, burst);
        burst.scheduleNext();
    }

    /** Stops every burst not in {@code keep}; when this returns, none of them sends again. */
    synchronized void retain(Set<Announcement> keep) {
        for (Iterator<Map.Entry<Announcement, Burst>> it = bursts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Announcement, Burst> entry = it.next();
            if (!keep.contains(entry.getKey())) {
                entry.getValue().stop();
                it.remove();
            }
        }
    }

    /** The announcements with a running burst or refresh. */
    synchronized Set<Announcement> running() {
        return Set.copyOf(bursts.keySet());
    }

    @Override
    public void close() {
        retain(Set.of());
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                log.warn("the gratuitous ARP/NA thread did not stop within 1 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One announcement's sends, timed from its takeover; a late wake-up skips what it missed rather than sending a bunch. */
    private final class Burst implements Runnable {
        private final Announcement announcement;
        private final InterfaceCapture capture;
        private final byte[] frame;
        private final GratuitousBurst schedule;
        private final long startNanos = System.nanoTime();
        private ScheduledFuture<?> next;
        private boolean stopped;

        Burst(Announcement announcement, InterfaceCapture capture, byte[] frame, GratuitousBurst schedule) {
            this.announcement = announcement;
            this.capture = capture;
            this.frame = frame;
            this.schedule = schedule;
        }

        @Override
        public synchronized void run() {
            if (stopped) {
                return;
            }
            IpAddress vip = announcement.vip();
            // A paused process skips the frames its view no longer backs; the burst goes on when it is current again.
            if (capture.mayAnnounce() && capture.send(frame)) {
                listener.gratuitousSent(vip.family(), vip, announcement.interfaceName());
            }
            scheduleNext();
        }

        synchronized void scheduleNext() {
            if (stopped || executor.isShutdown()) {
                return;
            }
            long elapsed = System.nanoTime() - startNanos;
            // Before the first send, from before the takeover: the burst's first frame is at zero.
            long at = schedule.nextAfter(Duration.ofNanos(next == null ? -1 : elapsed)).toNanos();
            next = executor.schedule(this, Math.max(0, at - elapsed), TimeUnit.NANOSECONDS);
        }

        /** Holds the same lock as {@link #run()}: once this returns, no frame of this burst goes out. */
        synchronized void stop() {
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
        }
    }
}
