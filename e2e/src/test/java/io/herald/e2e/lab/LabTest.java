package io.herald.e2e.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import io.herald.testkit.net.Runs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lab's network and processes, without Kubernetes and without Herald. Needs root, as the lab does. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LabTest {
    private static final int PORT = 8080;

    @Test
    void comesUpAndGoesAwayLeavingNothing() throws Exception {
        Lab lab = Lab.builder().start();
        String run = lab.runId();
        List<ProcessHandle> inside = new ArrayList<>();
        long serving = System.nanoTime();
        long closing;
        try {
            lab.serve(PORT);
            serving = System.nanoTime() - serving;
            assertTrue(Netns.all().containsAll(lab.namespaces()), "all of " + lab.namespaces() + " exist");
            assertEquals(5, lab.namespaces().size(), "LAN, three nodes, client");
            String ports = new Netns(lab.namespaces().get(0)).ip("-br", "link", "show", "master", "hl" + run + "br");
            assertEquals(4, ports.lines().count(), "three nodes and the client on the bridge:\n" + ports);
            for (String netns : lab.namespaces()) {
                new Netns(netns).pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(inside::add));
            }
            assertEquals(3, inside.size(), "one stand-in server per node");
        } finally {
            closing = System.nanoTime();
            lab.close();
        }
        Duration teardown = Duration.ofNanos(System.nanoTime() - closing);
        System.out.printf("lab of 3 nodes: up in %d ms, stand-in servers listening %d ms later, torn down in %d ms%n",
                lab.startupTime().toMillis(), serving / 1_000_000, teardown.toMillis());

        assertTrue(Netns.all().stream().noneMatch(n -> n.contains(run)), "no namespace left: " + Netns.all());
        String jvmLinks = Exec.run(Exec.SHORT, "ip", "-o", "link").orThrow();
        assertFalse(jvmLinks.contains(run), "no link of the run in the test JVM's namespace:\n" + jvmLinks);
        assertTrue(inside.stream().noneMatch(ProcessHandle::isAlive), "no process left in the namespaces");
        assertFalse(Files.exists(Lab.RUNS.resolve(run)), "run directory removed");
        lab.close(); // twice is harmless
    }

    @Test
    void clientReachesTheStandInOnANodesOwnAddress() throws Exception {
        try (Lab lab = Lab.builder().start()) {
            lab.serve(PORT);
            assertEquals(Optional.of("n1"), lab.client().get("198.18.0.11", PORT, Duration.ofSeconds(5)));
            assertEquals(Optional.of("n2"), lab.client().get("2001:db8::12", PORT, Duration.ofSeconds(5)));
            assertEquals(Optional.of("n3"), lab.client().exec(Duration.ofSeconds(10), "curl", "-s", "http://198.18.0.13:" + PORT)
                    .out().lines().findFirst(), "curl reads the HTTP/1.0 reply");

            Neighbour n1 = lab.client().neighbour("198.18.0.11").orElseThrow();
            assertEquals(Optional.of(lab.node("n1").mac()), n1.mac(), n1.toString());
            assertEquals(Optional.of("02:00:00:00:00:12"), lab.client().neighbour("2001:db8::12").orElseThrow().mac());
            assertEquals(Optional.empty(), lab.client().neighbour("198.18.0.14"), "no such node, no entry");
        }
    }

    /**
     * kube-proxy IPVS puts every LoadBalancer IP on every node; with strictARP no kernel
     * may answer for it, or clients would reach whichever node spoke first. Nothing but
     * Herald's speaker runs here, so nobody must answer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"198.18.0.100", "2001:db8::100"})
    void kernelLeavesAVipOnLoUnansweredSoOnlyHeraldAnswers(String vip) throws Exception {
        try (Lab lab = Lab.builder().start()) {
            lab.serve(PORT);
            lab.exposeVip(vip);
            String url = "http://" + (vip.contains(":") ? "[" + vip + "]" : vip) + ":" + PORT + "/";
            for (LabNode node : lab.nodes()) {
                assertEquals(node.name(), lab.exec(node.name(), Duration.ofSeconds(10), "curl", "-s", "-g", "-m", "2", url)
                        .orThrow().strip(), "the VIP is on " + node.name() + " and served there");
            }

            assertEquals(Optional.empty(), lab.client().get(vip, PORT, Duration.ofSeconds(2)));
            Neighbour neighbour = lab.client().neighbour(vip).orElseThrow();
            assertTrue(neighbour.unresolved(), "no node answered ARP/NDP for " + vip + ": " + neighbour);

            // The check can see a kernel that answers: let n2's kernel answer for the VIP.
            lab.client().flushNeighbours(); // else the failed entry fails the next request at once
            Netns n2 = new Netns(lab.node("n2").netns());
            if (vip.contains(":")) {
                n2.sysctl("net.ipv6.conf.eth0.proxy_ndp=1"); // forwarding is on, as on a Kubernetes node
                n2.ip("-6", "neigh", "add", "proxy", vip, "dev", "eth0");
            } else {
                n2.sysctl("net.ipv4.conf.all.arp_ignore=0", "net.ipv4.conf.eth0.arp_ignore=0");
            }
            assertEquals(Optional.of("n2"), lab.client().get(vip, PORT, Duration.ofSeconds(5)));
            assertEquals(Optional.of(lab.node("n2").mac()), lab.client().neighbour(vip).orElseThrow().mac());

            lab.hideVip(vip);
            lab.hideVip(vip); // already gone: no error
            for (LabNode node : lab.nodes()) {
                assertFalse(new Netns(node.netns()).ip("addr", "show", "dev", "lo").contains(vip + "/"), node.name());
            }
        }
    }

    @Test
    void proberFindsTheGapWhileANodeIsCutOff() throws Exception {
        Duration interval = Duration.ofMillis(10);
        try (Lab lab = Lab.builder().start()) {
            lab.serve(PORT);
            Probe probe = lab.client().probe("198.18.0.11", PORT, interval, Duration.ofSeconds(4), Duration.ofMillis(300));
            Thread.sleep(1000);
            Instant cutting = Instant.now();
            lab.cutLink("n1");
            Instant cut = Instant.now();
            Thread.sleep(1000);
            Instant restoring = Instant.now();
            lab.restoreLink("n1");
            Instant restored = Instant.now();
            ProbeLog log = probe.await();
            ProbeLog.Gap gap = log.longestGap();
            System.out.printf("prober: %d requests, %d failed; longest gap %s; link down from %s to %s%n",
                    log.attempts().size(), log.failures(), gap, cut, restoring);

            assertEquals(400, log.attempts().size(), "4 s at 10 ms");
            assertEquals(List.of("n1"), log.nodes());
            assertTrue(log.failures() >= 50, "requests sent while the link was down failed: " + log.failures());
            assertTrue(!gap.from().isAfter(cut), "the last answer before the gap was sent before the cut: " + gap.from());
            assertTrue(!gap.to().isBefore(restoring.minus(interval)), "the first answer after it, after the restore: " + gap.to());
            assertTrue(gap.length().compareTo(Duration.between(cut, restoring)) >= 0, gap.toString());
            assertTrue(gap.length().compareTo(Duration.between(cutting, restored).plusMillis(250)) <= 0, gap.toString());
            assertEquals(Optional.of("n1"), gap.nodeBefore());
            assertEquals(Optional.of("n1"), gap.nodeAfter());

            // 10 ms spacing is real: one process sends them all, so the sends keep to the beat.
            List<Instant> sent = log.attempts().stream().map(ProbeLog.Attempt::sent).toList();
            long late = 0;
            for (int i = 1; i < sent.size(); i++) {
                if (Duration.between(sent.get(i - 1), sent.get(i)).toMillis() > 25) {
                    late++;
                }
            }
            assertTrue(late <= 20, late + " of 400 sends came more than 25 ms after the one before");
            Duration span = Duration.between(sent.get(0), sent.get(sent.size() - 1));
            assertTrue(span.toMillis() >= 3980 && span.toMillis() <= 4100, "399 intervals of 10 ms: " + span.toMillis() + " ms");
        }
    }

    @Test
    void cleanStaleRemovesWhatADeadRunLeft() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        String run = HexFormat.of().formatHex(new byte[] {
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt(), (byte) 0xee});
        Path dir = Files.createDirectories(Lab.RUNS.resolve(run));
        Files.writeString(dir.resolve("owner"), gone.pid() + " 1\n");
        Netns netns = new Netns(Lab.PREFIX + run + "-n1");
        Netns.addAll(List.of(netns));
        Process inside = new ProcessBuilder(netns.prefix(List.of("sleep", "600"))).start();
        Process recorded = new ProcessBuilder("sleep", "600").start(); // as the JVM-namespace API forwarder
        Runs.record(dir, recorded.toHandle());
        try {
            assertTrue(Lab.cleanStale().contains(run));
            assertFalse(Netns.all().contains(netns.name()));
            assertTrue(inside.waitFor(5, TimeUnit.SECONDS), "the process in the dead run's namespace is killed");
            assertTrue(recorded.waitFor(5, TimeUnit.SECONDS), "the process the dead run recorded is killed");
            assertFalse(Files.exists(dir));
        } finally {
            inside.destroyForcibly();
            recorded.destroyForcibly();
            Netns.deleteAll(List.of(netns.name()));
        }
    }
}
