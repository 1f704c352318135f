package io.herald.common.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** Serves {@code /healthz}, {@code /readyz} and {@code /metrics} on one port. */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private HealthServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static HealthServer start(InetSocketAddress address, Health health, PrometheusRegistry registry) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address
                    + " for /healthz, /readyz and /metrics (" + e.getMessage()
                    + "); pick a free port with --listen-address", e);
        }
        server.createContext("/healthz", exchange -> report(exchange, health::live));
        server.createContext("/livez", exchange -> report(exchange, health::live));
        server.createContext("/readyz", exchange -> report(exchange, health::ready));
        server.createContext("/metrics", new MetricsHandler(registry));
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "health-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new HealthServer(server, executor);
    }

    private static void report(HttpExchange exchange, Supplier<Health.Report> check) throws IOException {
        try (exchange) {
            Health.Report report = check.get();
            byte[] body = report.text().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(report.ok() ? 200 : 503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The address actually bound (useful when the port was 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
