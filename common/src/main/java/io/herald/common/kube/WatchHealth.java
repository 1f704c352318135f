package io.herald.common.kube;

import io.kubernetes.client.informer.SharedIndexInformer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Notices an informer whose list/watch keeps failing. A dead watch nobody notices is
 * the classic failure of such daemons: the process looks alive and acts on an old
 * world. Liveness fails once the watch has failed with no progress for {@code grace}.
 */
public final class WatchHealth {
    private final String what;
    private final Duration grace;
    private volatile SharedIndexInformer<?> informer;
    private volatile long failingSinceNanos;
    private volatile String lastError;
    private volatile String versionAtFailure;

    public WatchHealth(String what, Duration grace) {
        this.what = what;
        this.grace = grace;
    }

    public void watching(SharedIndexInformer<?> informer) {
        this.informer = informer;
    }

    /** Called by the informer's reflector for every failed list or watch. */
    public void failed(Throwable error) {
        lastError = error.getMessage() == null ? error.toString() : error.getMessage();
        if (failingSinceNanos == 0) {
            versionAtFailure = informer == null ? null : informer.lastSyncResourceVersion();
            failingSinceNanos = System.nanoTime();
        }
    }

    /** The problem, if the watch has failed for longer than the grace period without progress. */
    public Optional<String> problem() {
        long since = failingSinceNanos;
        if (since == 0) {
            return Optional.empty();
        }
        if (informer != null && !Objects.equals(informer.lastSyncResourceVersion(), versionAtFailure)) {
            failingSinceNanos = 0; // the reflector listed or watched again since: recovered
            return Optional.empty();
        }
        Duration failing = Duration.ofNanos(System.nanoTime() - since);
        if (failing.compareTo(grace) < 0) {
            return Optional.empty();
        }
        return Optional.of("the " + what + " watch has failed for " + failing.toSeconds() + " s: " + lastError);
    }
}
