package io.herald.e2e;

import io.herald.testkit.LocalKubeApiServer;
import io.herald.common.kube.Handlers;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.time.Duration;
import java.util.ArrayList;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints how the controller copes with 1k, 5k and 10k Services against the real API
 * server; asserts correctness only, never time. Run: scripts/bench.sh controller
 * (sizes from -Dherald.bench.sizes=1000,5000,10000).
 */
@Tag("benchmark")
class ControllerBenchmark {
    private static final String CONFIG = """
            address-pools:
            - name: bench
              protocol: layer2
              addresses: [198.18.0.0/17]
            """;

    record Figures(int services, double allServedSeconds, double p50Millis, double p99Millis, double peakRssMib,
            double restartReadySeconds, int changedByRestart) {}

    @Test
    void allocationAtScale() throws Exception {
        List<Figures> rows = new ArrayList<>();
        for (String size : System.getProperty("herald.bench.sizes", "1000,5000,10000").split(",")) {
            rows.add(run(Integer.parseInt(size.trim())));
        }
        System.out.println();
        System.out.println("| Services | all have IPs (s) | create→status p50 (ms) | p99 (ms) | controller peak RSS (MiB) | restart → all re-claimed (s, incl. waiting out the killed leader's 4 s Lease) | IPs changed by restart |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        for (Figures f : rows) {
            System.out.printf("| %d | %.1f | %.0f | %.0f | %.0f | %.1f | %d |%n", f.services(), f.allServedSeconds(),
                    f.p50Millis(), f.p99Millis(), f.peakRssMib(), f.restartReadySeconds(), f.changedByRestart());
        }
    }

    private Figures run(int count) throws Exception {
        try (LocalKubeApiServer cluster = LocalKubeApiServer.start()) {
            ApiClient admin = cluster.adminClient();
            Kube.namespace(admin, ControllerProcess.NAMESPACE);
            Kube.namespace(admin, "bench");
            Kube.applyConfig(admin, ControllerProcess.NAMESPACE, CONFIG);

            Map<String, Long> createdAt = new ConcurrentHashMap<>();
            Map<String, Long> servedAt = new ConcurrentHashMap<>();
            Map<String, String> ipOf = new ConcurrentHashMap<>();
            SharedInformerFactory factory = new SharedInformerFactory(admin);
            SharedIndexInformer<V1Service> informer = factory.sharedIndexInformerFor(
                    new GenericKubernetesApi<>(V1Service.class, V1ServiceList.class, "", "v1", "services", admin), V1Service.class, 0);
            informer.addEventHandler(Handlers.onAnyChange(s -> {
                List<String> ips = Kube.ingress(s);
                if (!ips.isEmpty()) {
                    servedAt.putIfAbsent(s.getMetadata().getName(), System.nanoTime());
                    ipOf.put(s.getMetadata().getName(), ips.get(0));
                }
            }));
            factory.startAllRegisteredInformers();

            HeraldProcess controller = ControllerProcess.start(cluster, "bench-1");
            try {
                ControllerProcess.awaitLeader(admin, "bench-1");
                long start = System.nanoTime();
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    String name = "svc-" + i;
                    futures.add(pool.submit(() -> {
                        createdAt.put(name, System.nanoTime());
                        return Kube.create(admin, Kube.loadBalancer("bench", name));
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                pool.shutdown();
                Kube.await(count + " Services served", Duration.ofMinutes(20), () -> servedAt.size() >= count);
                double allServed = (System.nanoTime() - start) / 1e9;
                double[] latencies = createdAt.entrySet().stream()
                        .mapToDouble(e -> (servedAt.get(e.getKey()) - e.getValue()) / 1e6).sorted().toArray();
                if (ipOf.values().stream().distinct().count() != count) {
                    throw new AssertionError("duplicate IPs among " + count + " Services");
                }
                double rss = controller.peakRssMib();
                Map<String, String> before = Map.copyOf(ipOf);

                controller.kill();
                long restart = System.nanoTime();
                controller = ControllerProcess.start(cluster, "bench-2");
                controller.awaitLine("kept the addresses of " + count + " of " + count, Duration.ofMinutes(10));
                double restartReady = (System.nanoTime() - restart) / 1e9;
                Thread.sleep(3000);
                int changed = (int) before.entrySet().stream().filter(e -> !e.getValue().equals(ipOf.get(e.getKey()))).count();
                return new Figures(count, allServed, percentile(latencies, 50), percentile(latencies, 99), rss, restartReady, changed);
            } finally {
                controller.close();
                factory.stopAllRegisteredInformers();
            }
        }
    }

    private static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

}
