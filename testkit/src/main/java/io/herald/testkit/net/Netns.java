package io.herald.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A named network namespace ({@code /run/netns/NAME}) and the commands the lab runs in it. */
public record Netns(String name) {
    /** {@code ip -n NAME ARGS...}, failing with ip's message. */
    public String ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return Exec.run(Exec.SHORT, null, command).orThrow();
    }

    /** Several ip commands in one process ({@code ip -n NAME -batch -}); stops at the first that fails. */
    public void ipBatch(List<String> lines) {
        Exec.run(Exec.SHORT, String.join("\n", lines) + "\n", List.of("ip", "-n", name, "-batch", "-")).orThrow();
    }

    /** {@code ip netns exec NAME COMMAND...}: the command runs with this namespace as its network. */
    public Exec.Result exec(Duration timeout, String... command) {
        return Exec.run(timeout, null, prefix(List.of(command)));
    }

    /** The launcher that puts a command into this namespace; {@code ip netns exec} execs it, keeping its pid. */
    public List<String> prefix(List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
        out.addAll(command);
        return out;
    }

    public void sysctl(String... settings) {
        List<String> command = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        command.addAll(List.of(settings));
        exec(Exec.SHORT, command.toArray(String[]::new)).orThrow();
    }

    /** Processes whose network is this namespace (what keeps it and its links alive after {@code ip netns del}). */
    public List<Long> pids() {
        Exec.Result result = Exec.run(Exec.SHORT, "ip", "netns", "pids", name);
        return result.ok() ? result.out().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList()
                : List.of();
    }

    /** The inode that {@code /proc/PID/ns/net} names for processes in this namespace. */
    public long inode() {
        try {
            return (Long) Files.getAttribute(Path.of("/run/netns", name), "unix:ino");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fails unless this JVM runs in a network namespace other than that of the process that
     * started it, as the project's test JVM does as root (scripts/test-jvm/bin/java): a test
     * that adds links, addresses or sysctls beside the JVM calls this first, so they never
     * reach the machine's own namespace. (The parent, not pid 1: a container's pid 1 may not
     * let even root read its namespace.)
     */
    public static void requireOwnNamespace() {
        String own = namespaceOf(ProcessHandle.current().pid());
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid)
                .orElseThrow(() -> new AssertionError("this JVM's parent is gone; cannot tell whose namespace it runs in"));
        if (own.equals(namespaceOf(parent))) {
            throw new AssertionError("this test adds network links beside its JVM, which shares the network namespace of the"
                    + " process that started it (" + own + "); run it through Maven from the project root, whose test JVM"
                    + " (scripts/test-jvm/bin/java) gets a namespace of its own as root");
        }
    }

    /** What {@code /proc/PID/ns/net} names, e.g. {@code net:[4026531840]}. */
    public static String namespaceOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/ns/net", e);
        }
    }

    /** Names of all named network namespaces on the host. */
    public static List<String> all() {
        return Exec.run(Exec.SHORT, "ip", "netns", "list").orThrow().lines()
                .map(l -> l.split(" ", 2)[0]).filter(n -> !n.isEmpty()).toList();
    }

    /** Adds the namespaces in one process. */
    public static void addAll(List<Netns> namespaces) {
        batch(namespaces.stream().map(n -> "netns add " + n.name()).toList()).orThrow();
    }

    /** Deletes the namespaces in one process, going on past ones already gone. */
    public static void deleteAll(List<String> names) {
        if (!names.isEmpty()) {
            batch(names.stream().map(n -> "netns del " + n).toList());
        }
    }

    private static Exec.Result batch(List<String> lines) {
        return Exec.run(Exec.SHORT, String.join("\n", lines) + "\n", List.of("ip", "-force", "-batch", "-"));
    }
}
