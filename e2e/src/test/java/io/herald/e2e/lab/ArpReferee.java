package io.herald.e2e.lab;

import io.herald.e2e.HeraldProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The referee of who answers ARP for a VIP, seen from the client: {@link ArpAsker}
 * broadcasts a request every interval (always broadcast, so every node that would answer
 * can) and records every reply that comes back. An HTTP client whose neighbour entry is
 * fresh hides a dark or doubly answered VIP; a new client does not.
 */
public final class ArpReferee implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(30);

    private final HeraldProcess asker;
    private final Duration total;

    private ArpReferee(HeraldProcess asker, Duration total) {
        this.asker = asker;
        this.total = total;
    }

    /** Starts asking; returns once the first request is about to leave. */
    static ArpReferee start(List<String> inClient, Consumer<HeraldProcess> tracker, String clientMac, String clientIp,
            String vip, Duration interval, Duration total) throws InterruptedException {
        long count = Math.max(1, total.toNanos() / Math.max(1, interval.toNanos()));
        List<String> command = new ArrayList<>(inClient);
        command.addAll(Lab.javaMainWithDependencies(ArpAsker.class, "eth0", clientMac.toLowerCase(Locale.ROOT), clientIp, vip,
                Long.toString(interval.toNanos() / 1000), Long.toString(count)));
        HeraldProcess asker = HeraldProcess.launch("arp-referee", command);
        tracker.accept(asker);
        asker.awaitLine("^started ", STARTUP);
        return new ArpReferee(asker, total);
    }

    /** Waits for the last request and its replies, and reads what was seen. */
    public ArpLog await() throws InterruptedException {
        asker.awaitExit(total.plus(Duration.ofSeconds(30)));
        return parse(asker.output());
    }

    static ArpLog parse(String output) {
        List<ArpLog.Request> requests = new ArrayList<>();
        List<Set<String>> answers = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] words = line.strip().split(" ");
            if (words.length == 2 && words[0].equals("request")) {
                requests.add(new ArpLog.Request(Long.parseLong(words[1]), Set.of()));
                answers.add(new TreeSet<>());
            } else if (words.length == 3 && words[0].equals("reply") && !answers.isEmpty()) {
                answers.get(answers.size() - 1).add(words[2].toLowerCase(Locale.ROOT));
            }
        }
        List<ArpLog.Request> answered = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            answered.add(new ArpLog.Request(requests.get(i).micros(), answers.get(i)));
        }
        return new ArpLog(answered);
    }

    @Override
    public void close() throws Exception {
        asker.close();
    }
}
