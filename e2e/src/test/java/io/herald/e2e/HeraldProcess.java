package io.herald.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Herald command run from its built jar as a real process, its output in a file.
 * The lab ({@code io.herald.e2e.lab}) runs its helpers (forwarders, stand-in servers,
 * the prober) through {@link #launch} too, often behind {@code ip netns exec}.
 */
public final class HeraldProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path output;

    private HeraldProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** The jar of a part ("controller", "speaker") as Maven built it. */
    public static Path jar(String part) {
        String given = System.getProperty("herald." + part + ".jar");
        Path jar = given != null ? Path.of(given) : Path.of("..", part, "target", "herald-" + part + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; build it with mvn package");
        }
        return jar.toAbsolutePath().normalize();
    }

    public static HeraldProcess start(String part, List<String> args) {
        return start(part, List.of(), args);
    }

    /**
     * Runs the part's jar behind {@code launcher}, for example {@code ip netns exec NS}, which
     * execs the JVM in place: {@link #pid()} is then the JVM's own.
     */
    public static HeraldProcess start(String part, List<String> launcher, List<String> args) {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(javaCommand().toString(), "-Xmx256m", "-jar", jar(part).toString()));
        command.addAll(args);
        return launch(part, command);
    }

    /** Any command as a process of the tests, its output (stdout and stderr) in a temp file. */
    public static HeraldProcess launch(String name, List<String> command) {
        try {
            Path output = Files.createTempFile("herald-" + name + "-", ".log");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            return new HeraldProcess(name, process, output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** The java launcher of the JVM running the tests. */
    public static Path javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the output has a line matching {@code regex}; fails with the output if not. */
    public String awaitLine(String regex, Duration patience) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + patience.toNanos();
        do {
            var match = output().lines().filter(l -> pattern.matcher(l).find()).findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + " printed no line matching /" + regex + "/ within " + patience.toSeconds()
                + " s; its output:\n" + output());
    }

    /** GET on the process's health/metrics port; status -1 when nothing answers. */
    public static HttpResponse<String> get(int port, String path) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    /** Polls until {@code path} answers 200, returning the body. */
    public String awaitOk(int port, String path, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + "; its output:\n" + output());
            }
            last = get(port, path);
            if (last != null && last.statusCode() == 200) {
                return last.body();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " of " + name + " not 200 within " + patience.toSeconds() + " s; last answer: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()) + "\noutput:\n" + output());
    }

    /** Sends SIGTERM and waits for the exit code. */
    public int terminate(Duration patience) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not stop within " + patience.toSeconds() + " s of SIGTERM; output:\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: the process gets no chance to clean up, as when a node dies. */
    public void kill() throws InterruptedException {
        killTree();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Children first: a forking server (socat) has one per connection, and they would outlive it. */
    private void killTree() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Peak resident memory so far (VmHWM), in MiB, from /proc. */
    public double peakRssMib() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmHWM:"))
                    .mapToDouble(l -> Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024.0)
                    .findFirst().orElse(Double.NaN);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** Waits for the process to end by itself. */
    public int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + patience.toSeconds() + " s; output:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        killTree();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Boolean.getBoolean("herald.keep.logs")) {
            System.out.println(name + " output kept in " + output);
        } else {
            Files.deleteIfExists(output);
        }
    }
}
