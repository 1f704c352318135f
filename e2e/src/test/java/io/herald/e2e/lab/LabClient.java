package io.herald.e2e.lab;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.e2e.HeraldProcess;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import java.time.Duration;
import java.util.Locale;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The client namespace on the lab LAN (198.18.0.2, 2001:db8::2): what a user's machine sees. */
public final class LabClient {
    /** A probe's request that takes longer than this counts as failed, unless the probe is given another timeout. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final Netns netns;
    private final String mac;
    private final Consumer<HeraldProcess> tracker;

    public LabClient(Netns netns, String mac, Consumer<HeraldProcess> tracker) {
        this.netns = netns;
        this.mac = mac;
        this.tracker = tracker;
    }

    public String netns() {
        return netns.name();
    }

    public String ipv4() {
        return Lab.CLIENT_IPV4;
    }

    public String ipv6() {
        return Lab.CLIENT_IPV6;
    }

    public String mac() {
        return mac;
    }

    /** The name of the node that answered {@code http://ip:port/} within {@code timeout}, or empty. */
    public Optional<String> get(String ip, int port, Duration timeout) {
        String seconds = String.format(Locale.ROOT, "%.3f", Math.max(1, timeout.toMillis()) / 1000.0);
        Exec.Result result = netns.exec(timeout.plus(Exec.SHORT), "curl", "-s", "-g", "-m", seconds,
                "http://" + hostInUrl(ip) + ":" + port + "/");
        String body = result.out().strip();
        return result.ok() && !body.isEmpty() ? Optional.of(body) : Optional.empty();
    }

    /** The client's neighbour entry (ARP / NDP) for {@code ip}; empty when it has none. */
    public Optional<Neighbour> neighbour(String ip) {
        String line = netns.ip("neigh", "show", "to", IpAddress.parse(ip).toString(), "dev", "eth0").strip();
        return line.isEmpty() ? Optional.empty() : Optional.of(Neighbour.parse(ip, line.lines().findFirst().orElseThrow()));
    }

    /** Forgets every neighbour entry, as a freshly booted client would. */
    public void flushNeighbours() {
        netns.ip("neigh", "flush", "dev", "eth0");
    }

    /** Runs a command in the client's namespace. */
    public Exec.Result exec(Duration timeout, String... command) {
        return netns.exec(timeout, command);
    }

    /** {@link #probe(String, int, Duration, Duration, Duration)} with the {@link #PROBE_TIMEOUT}. */
    public Probe probe(String ip, int port, Duration interval, Duration total) throws InterruptedException {
        return probe(ip, port, interval, total, PROBE_TIMEOUT);
    }

    /**
     * Starts sending a request every {@code interval} for {@code total}, each failing after
     * {@code timeout}, from one process in the client's namespace; returns when its clock has
     * started (the first request leaves at {@link Probe#started()}, at most 50 ms later), so a
     * test can break things right after. {@link Probe#await()} gives the log.
     */
    public Probe probe(String ip, int port, Duration interval, Duration total, Duration timeout) throws InterruptedException {
        if (interval.toNanos() < 1000 || total.compareTo(interval) < 0 || total.dividedBy(interval) > Prober.MAX_ATTEMPTS) {
            throw new IllegalArgumentException("a probe sends 1 to " + Prober.MAX_ATTEMPTS + " requests, at least 1 µs apart");
        }
        HeraldProcess process = HeraldProcess.launch("probe", netns.prefix(Lab.javaMain(Prober.class,
                IpAddress.parse(ip).toString(), Integer.toString(port), Long.toString(interval.toNanos() / 1000),
                Long.toString(total.toMillis()), Long.toString(timeout.toMillis()))));
        tracker.accept(process);
        return Probe.start(process, total, timeout);
    }

    /**
     * Starts broadcasting an ARP request for {@code vip} every {@code interval} for {@code total}
     * and recording who answers each; {@link ArpReferee#await()} gives the {@link ArpLog}.
     */
    public ArpReferee arpReferee(String vip, Duration interval, Duration total) throws InterruptedException {
        return ArpReferee.start(netns.prefix(List.of()), tracker, mac, ipv4(), vip, interval, total);
    }

        private static String hostInUrl(String ip) {
        IpAddress address = IpAddress.parse(ip);
        return address.family() == Family.IPV6 ? "[" + address + "]" : address.toString();
    }
}
