package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.fail;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.MacAddress;
import io.herald.testkit.net.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A LAN made of real Linux network namespaces, for one test:
 *
 * <pre>
 *   the test JVM's namespace            netns herald-lan-SFX          netns herald-client-SFX
 *   hrdSFXa  (speaker A, no address) ── pa ─┐
 *   hrdSFXb  (speaker B, no address) ── pb ─┼── br0 ── cport ─────────── c0  198.18.0.1/24
 *   hrdSFXi  (the test's raw frames) ── pi ─┘                                 2001:db8::1/64
 * </pre>
 *
 * The speakers' ends stay in the test JVM's namespace, where the announcer under test
 * opens them; they carry no address, so nothing but the lab reaches them. That namespace
 * is the JVM's own, not the machine's ({@link Netns#requireOwnNamespace}). The client is real
 * Linux: its ARP / NDP and its neighbour table are what the tests check.
 *
 * <p>Traffic stays in the lab: addresses come from 198.18.0.0/15 and 2001:db8::/32, the
 * client has no route off its /24 and /64, and the JVM's namespace neither forwards IPv4
 * from the speaker links (per-link forwarding=0) nor, checked before the lab is built,
 * IPv6 at all. Every name has a random suffix, so runs never collide, and
 * {@link #close()} removes everything, also from a shutdown hook if the JVM stops early.
 *
 * <p>Needs root, iproute2 and ping. {@code -Dherald.netns=false} skips the tests that use
 * it; without that, a machine that cannot run them fails them, saying why.
 */
final class NetnsLab implements AutoCloseable {
    static final String ENABLED_PROPERTY = "herald.netns";
    static final String CLIENT_LINK = "c0";
    static final IpAddress CLIENT = TestFrames.ip("198.18.0.1");
    static final IpAddress CLIENT6 = TestFrames.ip("2001:db8::1");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern LLADDR = Pattern.compile("lladdr ([0-9a-f]{2}(?::[0-9a-f]{2}){5})");

    final String suffix;
    final String lan;
    final String client;
    private final List<String> jvmLinks = new ArrayList<>();
    private final Thread cleanupOnExit = new Thread(this::teardown, "netns-lab-cleanup");
    private boolean closed;

    private NetnsLab(String suffix) {
        this.suffix = suffix;
        this.lan = "herald-lan-" + suffix;
        this.client = "herald-client-" + suffix;
    }

    /**
     * Skips the calling test if {@code -Dherald.netns=false}; otherwise fails it, with what
     * to do, unless this machine can run a lab.
     */
    static void requireNetns() {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY))) {
            Assumptions.abort("network namespace tests are off (-D" + ENABLED_PROPERTY + "=false)");
        }
        String skip = " (or skip these tests with -D" + ENABLED_PROPERTY + "=false)";
        if (!isRoot()) {
            fail("this test builds network namespaces and opens raw sockets, which needs root: run it as root, as CI does" + skip);
        }
        for (String tool : List.of("ip", "ping")) {
            if (!onPath(tool)) {
                fail("this test needs `" + tool + "` (Debian packages iproute2 and iputils-ping; scripts/setup.sh installs them)" + skip);
            }
        }
        Netns.requireOwnNamespace();
        if (readProc("/proc/sys/net/ipv6/conf/all/forwarding").equals("1")) {
            fail("this host forwards IPv6 (net.ipv6.conf.all.forwarding=1), so a client's packets to a test VIP could leave"
                    + " the lab through it; run on a host that does not forward" + skip);
        }
    }

    /** Builds the LAN and the client; speakers' links come with {@link #speakerLink}. */
    static NetnsLab create() {
        requireNetns();
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        NetnsLab lab = new NetnsLab(HexFormat.of().formatHex(random));
        Runtime.getRuntime().addShutdownHook(lab.cleanupOnExit);
        try {
            lab.build();
            return lab;
        } catch (RuntimeException | AssertionError e) {
            lab.close();
            throw e;
        }
    }

    private void build() {
        must("ip", "netns", "add", lan);
        must("ip", "netns", "add", client);
        // The LAN only bridges: no IPv6 stack of its own, no snooping, so every frame is flooded as by a plain switch.
        must("ip", "netns", "exec", lan, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        // The client's addresses are usable at once: no duplicate address detection.
        must("ip", "netns", "exec", client, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        must("ip", "-n", lan, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        must("ip", "-n", lan, "link", "set", "br0", "up");
        must("ip", "-n", lan, "link", "add", CLIENT_LINK, "type", "veth", "peer", "name", "cport");
        must("ip", "-n", lan, "link", "set", CLIENT_LINK, "netns", client);
        must("ip", "-n", lan, "link", "set", "cport", "master", "br0", "up");
        must("ip", "-n", client, "link", "set", "lo", "up");
        must("ip", "-n", client, "link", "set", CLIENT_LINK, "up");
        must("ip", "-n", client, "addr", "add", CLIENT + "/24", "dev", CLIENT_LINK);
        must("ip", "-n", client, "addr", "add", CLIENT6 + "/64", "dev", CLIENT_LINK, "nodad");
    }

    /** A speaker's link, up, in the test JVM's namespace, joined to the LAN: "hrd" + suffix + tag. */
    String speakerLink(char tag) {
        return speakerLink(tag, true);
    }

    /** A speaker's link in the test JVM's namespace, joined to the LAN, left down if {@code up} is false. */
    String speakerLink(char tag, boolean up) {
        String name = "hrd" + suffix + tag;
        String peer = "p" + tag;
        must("ip", "link", "add", name, "type", "veth", "peer", "name", peer, "netns", lan);
        jvmLinks.add(name);
        // IPv4 arriving here is never forwarded, the kernel never answers ARP here, and IPv6 comes up without DAD.
        must("sysctl", "-qw", "net.ipv4.conf." + name + ".forwarding=0", "net.ipv4.conf." + name + ".arp_ignore=8",
                "net.ipv6.conf." + name + ".accept_dad=0", "net.ipv6.conf." + name + ".accept_ra=0");
        must("ip", "-n", lan, "link", "set", peer, "master", "br0", "up");
        if (up) {
            up(name);
        }
        return name;
    }

    /** Brings a link in the JVM's namespace up and waits for its IPv6 link-local address, which joining multicast groups needs. */
    void up(String link) {
        must("ip", "link", "set", link, "up");
        Eventually.within(Duration.ofSeconds(3), () -> readProc("/proc/net/if_inet6").lines().anyMatch(line -> line.endsWith(" " + link)),
                () -> link + " got no IPv6 link-local address");
    }

    /** The link's MAC, as {@code ip link} shows it. */
    MacAddress mac(String link) {
        return MacAddress.parse(readProc("/sys/class/net/" + link + "/address"));
    }

    int ifindex(String link) {
        return Integer.parseInt(readProc("/sys/class/net/" + link + "/ifindex"));
    }

    /** The client pings {@code vip} once: resolving it is the point; no echo reply will come. */
    void ping(IpAddress vip) {
        run(List.of("ip", "netns", "exec", client, "ping", vip.family() == Family.IPV6 ? "-6" : "-4", "-c", "1", "-W", "1", "-n", vip.toString()));
    }

    /** The client's neighbour entry for {@code vip}, as {@code ip neigh} prints it; empty if there is none. */
    String neighbour(IpAddress vip) {
        return run(List.of("ip", "-n", client, "neigh", "show", vip.toString(), "dev", CLIENT_LINK)).output().trim();
    }

    /** The MAC the client has for {@code vip}, if it has one. */
    Optional<MacAddress> neighbourMac(IpAddress vip) {
        Matcher matcher = LLADDR.matcher(neighbour(vip));
        return matcher.find() ? Optional.of(MacAddress.parse(matcher.group(1))) : Optional.empty();
    }

    /** Packet sockets bound to the link, from /proc/net/packet: what a pcap handle holds open. */
    long packetSockets(String link) {
        String index = Integer.toString(ifindex(link));
        return readProc("/proc/net/packet").lines().skip(1).map(line -> line.trim().split("\\s+"))
                .filter(columns -> columns.length > 4 && columns[4].equals(index)).count();
    }

    /** The link's IPv6 multicast memberships, as {@code ip -6 maddr} prints them. */
    String ipv6Groups(String link) {
        return must("ip", "-6", "maddr", "show", "dev", link);
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down, and the hook does the same
        }
    }

    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        for (String link : jvmLinks) {
            run(List.of("ip", "link", "del", link)); // takes its peer in the LAN with it
        }
        run(List.of("ip", "netns", "del", client));
        run(List.of("ip", "netns", "del", lan));
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command, bounded in time; its exit code is the caller's business. */
    static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
            }
            return new Result(process.exitValue(), output.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + command, e);
        }
    }

    /** Runs a command that must succeed, and returns its output. */
    static String must(String... command) {
        Result result = run(List.of(command));
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed with exit code " + result.exitCode() + ": " + result.output().trim());
        }
        return result.output();
    }

    private static boolean isRoot() {
        return readProc("/proc/self/status").lines().filter(line -> line.startsWith("Uid:"))
                .map(line -> line.split("\\s+")[2]).findFirst().orElse("").equals("0"); // the effective uid
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String readProc(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
