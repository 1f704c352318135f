package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.net.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The test JVM that adds links beside itself (this module's {@link NetnsLab}, the e2e
 * module's speaker and RBAC tests) runs, as root, in a network namespace of its own made
 * by scripts/test-jvm/bin/java, and sees that namespace as a real node would: its links in
 * /sys/class/net, the machine's cgroup tree under /sys/fs/cgroup. The wrapper removes its
 * namespace when the JVM ends.
 */
class TestJvmNamespaceTest {
    @Test
    void theJvmHasANetworkNamespaceOfItsOwnWithItsOwnSysfs() throws Exception {
        NetnsLab.requireNetns(); // as root: fails unless this JVM's namespace is not its parent's

        Set<String> sysfs = new TreeSet<>(Arrays.asList(Path.of("/sys/class/net").toFile().list()));
        Set<String> links = run(List.of("ip", "-o", "link", "show")).lines()
                .map(line -> line.split(":\\s+", 3)[1].split("@", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(links, sysfs, "/sys/class/net shows the links of the JVM's namespace (a speaker reads them there)");
        assertTrue(Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) || Files.isDirectory(Path.of("/sys/fs/cgroup/memory")),
                "the machine's cgroup tree is under /sys/fs/cgroup (runc needs it in ImagesTest)");
    }

    @Test
    void theWrapperRunsItsCommandInAFreshNamespaceAndRemovesIt() throws Exception {
        NetnsLab.requireNetns();
        Path wrapper = Path.of(System.getProperty("herald.project.root", "."), "scripts", "test-jvm", "bin", "java");
        Set<String> before = namespaces();

        ProcessBuilder builder = new ProcessBuilder(wrapper.toString(), "/proc/self/ns/net").redirectErrorStream(true);
        builder.environment().put("HERALD_JAVA", "/bin/readlink"); // stands in for java: prints its own namespace
        String seen = output(builder.start()).strip();

        assertTrue(seen.startsWith("net:["), "the wrapped command printed its namespace: " + seen);
        assertNotEquals(Netns.namespaceOf(ProcessHandle.current().pid()), seen, "not this JVM's namespace");
        long wrapperOfThisJvm = ProcessHandle.current().parent().orElseThrow().pid();
        assertNotEquals(Netns.namespaceOf(wrapperOfThisJvm), seen, "not the namespace this JVM was started from");
        Set<String> left = namespaces();
        left.removeAll(before);
        assertEquals(Set.of(), left, "the wrapper deleted the namespace it made");
    }

    private static Set<String> namespaces() throws Exception {
        return run(List.of("ip", "netns", "list")).lines().map(line -> line.split(" ", 2)[0])
                .filter(name -> name.startsWith("hjvm-")).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String run(List<String> command) throws Exception {
        return output(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private static String output(Process process) throws IOException, InterruptedException {
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "finished in 20 s");
        assertEquals(0, process.exitValue(), "exit status; output:\n" + out);
        return out;
    }
}
