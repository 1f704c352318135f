package io.herald.speaker.announce;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.DropReason;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what an announcer reports, as the speaker's metrics would, and prints it for a failing test. */
final class CountingListener implements Announcer.Listener {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();

    @Override
    public void requestReceived(Family family, String interfaceName) {
        count("request " + family + " " + interfaceName);
    }

    @Override
    public void replySent(Family family, IpAddress vip, String interfaceName) {
        count("reply " + vip + " " + interfaceName);
    }

    @Override
    public void gratuitousSent(Family family, IpAddress vip, String interfaceName) {
        count("gratuitous " + vip + " " + interfaceName);
    }

    @Override
    public void dropped(DropReason reason, String interfaceName) {
        count("drop " + reason.label() + " " + interfaceName);
    }

    @Override
    public void interfaceFailed(String interfaceName, String message) {
        failures.add(interfaceName + ": " + message);
    }

    int requests(Family family, String interfaceName) {
        return get("request " + family + " " + interfaceName);
    }

    int replies(IpAddress vip, String interfaceName) {
        return get("reply " + vip + " " + interfaceName);
    }

    int gratuitous(IpAddress vip, String interfaceName) {
        return get("gratuitous " + vip + " " + interfaceName);
    }

    int drops(DropReason reason, String interfaceName) {
        return get("drop " + reason.label() + " " + interfaceName);
    }

    /** Every drop on the interface, whatever the reason. */
    int drops(String interfaceName) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith("drop ") && e.getKey().endsWith(" " + interfaceName))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** Every reply on the interface, whatever the VIP. */
    int replies(String interfaceName) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith("reply ") && e.getKey().endsWith(" " + interfaceName))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Every counter and failure, one per line: what a user would read off /metrics and the log. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("listener counts:");
        new TreeMap<>(counts).forEach((key, value) -> out.append("\n  ").append(key).append(" = ").append(value.get()));
        failures.forEach(failure -> out.append("\n  failed ").append(failure));
        return out.toString();
    }

    private void count(String key) {
        counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private int get(String key) {
        AtomicInteger count = counts.get(key);
        return count == null ? 0 : count.get();
    }
}
