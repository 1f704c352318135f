package io.herald.e2e.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One long-running process in the client's namespace that sends a request every
 * INTERVAL_MICROS for TOTAL_MILLIS, each on a new TCP connection with its own deadline
 * of TIMEOUT_MILLIS, so the spacing holds while earlier requests hang on a dead node.
 * Prints, one line each (see {@link ProbeLog#parse}):
 * <pre>
 * started EPOCH_MICROS
 * SEQ SENT_EPOCH_MICROS TOOK_MICROS ok NODE
 * SEQ SENT_EPOCH_MICROS TOOK_MICROS fail REASON
 * done COUNT
 * </pre>
 *
 * <p>Usage: {@code Prober HOST PORT INTERVAL_MICROS TOTAL_MILLIS TIMEOUT_MILLIS}
 */
public final class Prober {
    static final int MAX_ATTEMPTS = 1_000_000;
    private static final int MAX_THREADS = 2000;
    private static final int MAX_REPLY = 4096;
    private static final Duration LEAD = Duration.ofMillis(50);

    private final InetSocketAddress target;
    private final long timeoutNanos;
    private Instant wallStart = Instant.now();
    private long monoStart = System.nanoTime();

    private Prober(InetSocketAddress target, long timeoutNanos) {
        this.target = target;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Loads and links what a request uses (lambdas, the pool's threads, the socket code)
     * before the clock starts; else the first requests leave a few hundred ms late, in a bunch.
     */
    private void warmUp(ThreadPoolExecutor senders) throws InterruptedException {
        senders.prestartAllCoreThreads();
        CountDownLatch done = new CountDownLatch(1);
        senders.execute(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), 100); // refused: nothing listens
            } catch (IOException expected) {
                // only the loading mattered
            }
            done.countDown();
        });
        done.await(10, TimeUnit.SECONDS);
        // The clock starts a little ahead, so printing the start line does not delay the first request.
        wallStart = Instant.now().plus(LEAD);
        monoStart = System.nanoTime() + LEAD.toNanos();
    }

    public static void main(String[] args) throws InterruptedException {
        // A literal address: no name lookup happens.
        InetSocketAddress target = new InetSocketAddress(literal(args[0]), Integer.parseInt(args[1]));
        long intervalNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[2]));
        long totalNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[4]));
        int count = (int) Math.min(MAX_ATTEMPTS, Math.max(1, totalNanos / intervalNanos));
        int threads = (int) Math.min(MAX_THREADS, timeoutNanos / intervalNanos + 16);
        ThreadPoolExecutor senders = (ThreadPoolExecutor) Executors.newFixedThreadPool(threads);
        Prober prober = new Prober(target, timeoutNanos);
        prober.warmUp(senders);
        print("started " + micros(prober.wallStart));
        for (int i = 0; i < count; i++) {
            long due = prober.monoStart + i * intervalNanos;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            senders.execute(prober.new Request(i));
        }
        senders.shutdown();
        senders.awaitTermination(timeoutNanos + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS);
        print("done " + count);
        System.exit(0);
    }

    private static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new IllegalArgumentException(ip + " is not an IP address", e);
        }
    }

    /** A class, not a lambda: a lambda's first use links it, which made the first request late. */
    private final class Request implements Runnable {
        private final int seq;

        Request(int seq) {
            this.seq = seq;
        }

        @Override
        public void run() {
            attempt(seq);
        }
    }

    private void attempt(int seq) {
        long began = System.nanoTime();
        // Wall time derived from the monotonic clock, so a clock step cannot reorder sends.
        Instant sent = wallStart.plusNanos(began - monoStart);
        long deadline = began + timeoutNanos;
        String outcome = request(deadline);
        if (outcome.equals("fail reset") && System.nanoTime() < deadline) {
            // A connection opened to the old node and finished at the new one (the VIP moved
            // between its packets) is reset by the new node, which never saw its start. An HTTP
            // client retries an idempotent GET on a fresh connection, once; so do we, and say so.
            String again = request(deadline);
            outcome = again.startsWith("ok ") ? again + " after-reset" : again;
        }
        print(seq + " " + micros(sent) + " " + (System.nanoTime() - began) / 1000 + " " + outcome);
    }

    /**
     * One request on a new connection: "ok NODE" or "fail REASON". A timeout says in which
     * phase: "connect-timeout" (no SYN-ACK: the SYN or its answer was lost) or
     * "read-timeout" (connected, the answer never came: a packet of an open connection lost).
     */
    private String request(long deadline) {
        String outcome;
        boolean connected = false;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(target, millisLeft(deadline));
            connected = true;
            socket.getOutputStream().write("GET / HTTP/1.0\r\nHost: herald-lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            outcome = answer(read(socket, deadline));
        } catch (SocketTimeoutException e) {
            outcome = connected ? "fail read-timeout" : "fail connect-timeout";
        } catch (java.net.SocketException e) {
            outcome = e.getMessage() != null && e.getMessage().contains("reset") ? "fail reset" : "fail SocketException";
        } catch (IOException e) {
            outcome = "fail " + e.getClass().getSimpleName();
        }
        return outcome;
    }

    private static String read(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        while (reply.size() < MAX_REPLY) {
            socket.setSoTimeout(millisLeft(deadline));
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            reply.write(buffer, 0, n);
        }
        return reply.toString(StandardCharsets.UTF_8);
    }

    /** The real cluster's backend image says where it runs: "pod POD on node NODE". */
    private static final Pattern BACKEND = Pattern.compile("pod \\S+ on node (\\S+)");

    /**
     * "ok NODE" for a 200 whose body is a node's name (the lab's node servers) or the
     * backend image's "pod POD on node NODE", else "fail REASON".
     */
    static String answer(String reply) {
        int split = reply.indexOf("\r\n\r\n");
        if (!reply.startsWith("HTTP/1.") || !reply.contains(" 200 ") || split < 0) {
            return "fail bad-reply";
        }
        String node = reply.substring(split + 4).strip();
        Matcher backend = BACKEND.matcher(node);
        if (backend.matches()) {
            return "ok " + backend.group(1);
        }
        return node.isEmpty() || node.contains(" ") ? "fail bad-body" : "ok " + node;
    }

    private static int millisLeft(long deadline) throws SocketTimeoutException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static long micros(Instant t) {
        return Duration.between(Instant.EPOCH, t).toNanos() / 1000;
    }

    private static synchronized void print(String line) {
        System.out.println(line);
    }
}
