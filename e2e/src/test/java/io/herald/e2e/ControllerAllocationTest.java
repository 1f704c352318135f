package io.herald.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import io.herald.testkit.KubeApiServerExtension;
import io.herald.testkit.KubeApiServerPerClass;
import io.herald.testkit.KubeCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Service;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many Services, restarts and leader changes: nobody's IP changes, nobody's IP is duplicated. */
@ExtendWith(KubeApiServerExtension.class)
@KubeApiServerPerClass
class ControllerAllocationTest {
    private static final IpRange POOL = IpRange.parse("198.18.16.0/20");
    private static final String CONFIG = """
            address-pools:
            - name: storm
              protocol: layer2
              addresses: [198.18.16.0/20]
            """;

    private final java.util.List<HeraldProcess> processes = new java.util.ArrayList<>();

    @BeforeEach
    void pools(ApiClient admin) throws Exception {
        Kube.namespace(admin, ControllerProcess.NAMESPACE);
        Kube.applyConfig(admin, ControllerProcess.NAMESPACE, CONFIG);
    }

    @AfterEach
    void stop() throws Exception {
        for (HeraldProcess p : processes) {
            p.close();
        }
    }

    private HeraldProcess controller(KubeCluster cluster, String identity) {
        HeraldProcess p = ControllerProcess.start(cluster, identity);
        processes.add(p);
        return p;
    }

    /** Creates services ns/prefix-0..n-1 from 4 threads, as a burst of kubectl applies would. */
    private static void createServices(ApiClient admin, String namespace, String prefix, int from, int to) throws Exception {
        Kube.namespace(admin, namespace);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<V1Service>> futures = new java.util.ArrayList<>();
            for (int i = from; i < to; i++) {
                V1Service service = Kube.loadBalancer(namespace, prefix + "-" + i);
                futures.add(pool.submit(() -> Kube.create(admin, service)));
            }
            for (Future<V1Service> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Map<String, List<String>> awaitAllServed(ApiClient admin, String namespace, int count) throws Exception {
        return Kube.await(count + " Services in " + namespace + " with an IP", Duration.ofSeconds(240), () -> {
            Map<String, List<String>> all = Kube.ingressByService(admin);
            Map<String, List<String>> mine = new java.util.TreeMap<>();
            all.forEach((k, v) -> {
                if (k.startsWith(namespace + "/")) {
                    mine.put(k, v);
                }
            });
            return mine.size() == count && mine.values().stream().allMatch(v -> v.size() == 1) ? mine : null;
        });
    }

    private static void assertDistinctAndInPool(Map<String, List<String>> byService) {
        Set<String> seen = new HashSet<>();
        byService.forEach((service, ips) -> {
            String ip = ips.get(0);
            assertTrue(seen.add(ip), ip + " is held by two Services, one of them " + service);
            assertTrue(POOL.contains(IpAddress.parse(ip)), service + " got " + ip + ", outside the pool");
        });
    }

    /** Every address in use, in every namespace of this class's cluster, is one of the pool's lowest: no gaps. */
    private static void assertLowestAddressesFirst(ApiClient admin) throws Exception {
        List<IpAddress> used = Kube.ingressByService(admin).values().stream().flatMap(List::stream)
                .map(IpAddress::parse).sorted().toList();
        for (int i = 0; i < used.size(); i++) {
            IpAddress expected = POOL.first().plus(java.math.BigInteger.valueOf(i));
            assertEquals(expected, used.get(i), "lowest free address first: address number " + i + " in use");
        }
    }

    @Test
    void thousandServicesKeepEveryIpAcrossAControllerRestart(KubeCluster cluster, ApiClient admin) throws Exception {
        HeraldProcess first = controller(cluster, "c1");
        ControllerProcess.awaitLeader(admin, "c1");
        createServices(admin, "bulk", "web", 0, 1000);
        Map<String, List<String>> before = awaitAllServed(admin, "bulk", 1000);
        assertDistinctAndInPool(before);
        assertLowestAddressesFirst(admin);

        // Other tests of this class may have left Services with addresses: every one of them must be kept.
        long withIp = Kube.ingressByService(admin).values().stream().filter(ips -> !ips.isEmpty()).count();
        first.kill();
        HeraldProcess second = controller(cluster, "c2");
        second.awaitLine("kept the addresses of " + withIp + " of " + withIp + " Services that had one", Duration.ofSeconds(60));
        // One new Service after the restart: it must get a free address, not anyone's.
        createServices(admin, "bulk", "late", 0, 1);
        Map<String, List<String>> after = awaitAllServed(admin, "bulk", 1001);
        assertDistinctAndInPool(after);
        before.forEach((service, ips) -> assertEquals(ips, after.get(service), service + " changed its IP across the restart"));
        assertEquals(1, second.output().lines().filter(l -> l.contains(": Assigned ")).count(),
                "the new controller assigned exactly one new address:\n" + second.output());
    }

    @Test
    void leaderKilledMidStormLeavesNoDuplicateAndNobodyPending(KubeCluster cluster, ApiClient admin) throws Exception {
        HeraldProcess a = controller(cluster, "a");
        ControllerProcess.awaitLeader(admin, "a");
        HeraldProcess b = controller(cluster, "b");
        b.awaitLine("leader is a", Duration.ofSeconds(60));

        createServices(admin, "storm", "svc", 0, 200);
        a.kill(); // mid-storm: some of these 200 are served, some not yet
        createServices(admin, "storm", "svc", 200, 400);
        ControllerProcess.awaitLeader(admin, "b");
        Map<String, List<String>> served = awaitAllServed(admin, "storm", 400);
        assertDistinctAndInPool(served);
        assertLowestAddressesFirst(admin);
        assertTrue(b.output().contains("b became leader"), b.output());
    }
}
