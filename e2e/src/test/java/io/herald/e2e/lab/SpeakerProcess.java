package io.herald.e2e.lab;

import io.herald.e2e.HeraldProcess;
import io.herald.e2e.Kube;
import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A speaker running from its built jar inside a node's namespace. {@code ip netns exec}
 * execs the JVM, so {@link #pid()} is the JVM's own and {@link #kill()} hits it directly.
 * Its health and metrics port listens on 127.0.0.1 inside the namespace; {@link #get}
 * reaches it from there.
 */
public final class SpeakerProcess implements AutoCloseable {
    private final LabNode node;
    private final Netns netns;
    private final HeraldProcess process;
    private final int metricsPort;

    SpeakerProcess(LabNode node, Netns netns, HeraldProcess process, int metricsPort) {
        this.node = node;
        this.netns = netns;
        this.process = process;
        this.metricsPort = metricsPort;
    }

    /** An HTTP answer from inside a namespace; status 0 when nothing answered. */
    public record HttpReply(int status, String body) {}

    public LabNode node() {
        return node;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.alive();
    }

    /** Everything it printed so far. */
    public String output() {
        return process.output();
    }

    public String awaitLine(String regex, Duration patience) throws InterruptedException {
        return process.awaitLine(regex, patience);
    }

    /** SIGTERM, then waits for the exit code (143 for a JVM that stopped cleanly on it). */
    public int terminate(Duration patience) throws InterruptedException {
        return process.terminate(patience);
    }

    /** SIGKILL to the JVM: no chance to step down, as when the node dies. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** The port of /metrics, /healthz and /readyz on 127.0.0.1 in the node's namespace. */
    public int metricsPort() {
        return metricsPort;
    }

    /** GET {@code path} on the metrics port, from inside the node's namespace. */
    public HttpReply get(String path) {
        Exec.Result result = netns.exec(Duration.ofSeconds(10), "curl", "-s", "-m", "5", "-w", "\n%{http_code}",
                "http://127.0.0.1:" + metricsPort + path);
        String out = result.out();
        int split = out.lastIndexOf('\n');
        int status = split < 0 ? 0 : parseStatus(out.substring(split + 1));
        return new HttpReply(status, split < 0 ? "" : out.substring(0, split));
    }

    private static int parseStatus(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The body of /metrics; fails with the speaker's output when it does not answer 200. */
    public String metrics() {
        HttpReply reply = get("/metrics");
        if (reply.status() != 200) {
            throw new IllegalStateException("speaker on " + node.name() + ": /metrics answered " + reply.status() + " "
                    + reply.body() + "\nits output:\n" + output());
        }
        return reply.body();
    }

    /**
     * The value of one series on /metrics, written as Prometheus prints it
     * ({@code herald_speaker_peers_heard}, {@code herald_x_total{reason="bad-mac"}}); 0 when absent.
     */
    public double metric(String series) {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return 0;
    }

    /** Polls {@code path} until it answers 200 and returns the body; fails early if the speaker exits. */
    public String awaitOk(String path, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        HttpReply last = new HttpReply(0, "");
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new AssertionError("speaker on " + node.name() + " exited; its output:\n" + output());
            }
            last = get(path);
            if (last.status() == 200) {
                return last.body();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " of the speaker on " + node.name() + " not 200 within " + patience.toSeconds()
                + " s; last answer: " + last + "\noutput:\n" + output());
    }

    @Override
    public void close() {
        try {
            process.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern ANNOUNCED =
            Pattern.compile("^herald_speaker_announced\\{.*vip=\"([^\"]+)\".*} 1(\\.0)?$");

    /** The VIPs this speaker says, on /metrics, it announces now; empty when it does not answer. */
    public List<String> announced() {
        if (!alive()) {
            return List.of();
        }
        try {
            return announcedIn(metrics());
        } catch (RuntimeException e) {
            return List.of(); // not answering (yet, or any more): announces nothing anyone can see
        }
    }

    /** The VIPs in a speaker's /metrics body with {@code herald_speaker_announced ... 1}. */
    public static List<String> announcedIn(String metrics) {
        List<String> vips = new ArrayList<>();
        for (String line : metrics.split("\n")) {
            var m = ANNOUNCED.matcher(line);
            if (m.find()) {
                vips.add(m.group(1));
            }
        }
        return vips;
    }

    /** Peak resident memory so far (VmHWM), in MiB. */
    public double peakRssMib() {
        return process.peakRssMib();
    }

    /**
     * Waits until {@code node} alone announces {@code vip}: after a change that moves a VIP, the old owner rightly
     * keeps it until it has seen the change (and, handing over, until the taker claims it), so the first single owner
     * seen proves nothing. Fails naming who announced it last.
     */
    public static void awaitOwnerBecomes(Map<String, SpeakerProcess> speakers, String vip, String node,
            Duration patience) throws Exception {
        List<String> last = new ArrayList<>();
        try {
            Kube.await(node + " alone announcing " + vip, patience, () -> {
                last.clear();
                last.addAll(announcers(speakers, vip));
                return last.equals(List.of(node));
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; announced by " + last, e);
        }
    }

    /** The one live speaker announcing {@code vip}, once exactly one of them does. */
    public static String awaitOwner(Map<String, SpeakerProcess> speakers, String vip, Duration patience)
            throws Exception {
        return Kube.await("exactly one speaker announcing " + vip, patience, () -> {
            List<String> owners = announcers(speakers, vip);
            return owners.size() == 1 ? owners.get(0) : null;
        });
    }

    /** The nodes whose speakers announce {@code vip} now, by their metrics. */
    private static List<String> announcers(Map<String, SpeakerProcess> speakers, String vip) {
        List<String> owners = new ArrayList<>();
        speakers.forEach((node, speaker) -> {
            if (speaker.announced().contains(vip)) {
                owners.add(node);
            }
        });
        return owners;
    }
}
