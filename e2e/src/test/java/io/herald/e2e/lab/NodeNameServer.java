package io.herald.e2e.lab;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The stand-in for kube-proxy and the pods on one lab node: answers every TCP
 * connection on PORT, on all addresses of both families, with the node's name and a
 * newline as an HTTP/1.0 reply, so curl, the prober and a bare socket all read it.
 * Runs inside the node's namespace; exits when the process that started it (OWNER_PID)
 * is gone, so it never outlives a killed test JVM for long.
 *
 * <p>Usage: {@code NodeNameServer NODE PORT OWNER_PID}
 */
public final class NodeNameServer {
    private static final int THREADS = 32;
    private static final int DRAIN_LIMIT = 64 * 1024;
    private static final int DRAIN_TIMEOUT_MILLIS = 2000;

    private NodeNameServer() {}

    public static void main(String[] args) throws IOException {
        String node = args[0];
        int port = Integer.parseInt(args[1]);
        ProcessHandle.of(Long.parseLong(args[2])).ifPresentOrElse(
                owner -> owner.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        byte[] body = (node + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] reply = ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n" + node + "\n").getBytes(StandardCharsets.UTF_8);
        ExecutorService workers = Executors.newFixedThreadPool(THREADS);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), 512); // the wildcard address: IPv6 and IPv4 alike
            System.out.println("listening on " + port + " as " + node);
            while (!server.isClosed()) {
                Socket connection = server.accept();
                workers.execute(() -> answer(connection, reply));
            }
        }
    }

    private static void answer(Socket connection, byte[] reply) {
        try (connection) {
            connection.setSoTimeout(DRAIN_TIMEOUT_MILLIS);
            connection.getOutputStream().write(reply);
            connection.shutdownOutput();
            // Closing with the request unread would send a reset, which can destroy the
            // answer before the client reads it: read until the client closes first.
            InputStream in = connection.getInputStream();
            byte[] buffer = new byte[4096];
            int total = 0;
            int n;
            while (total < DRAIN_LIMIT && (n = in.read(buffer)) >= 0) {
                total += n;
            }
        } catch (IOException ignored) {
            // a client that went away is the client's business
        }
    }
}
