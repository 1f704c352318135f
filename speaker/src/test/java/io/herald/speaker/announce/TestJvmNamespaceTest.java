package io.herald.speaker.announce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testkit.net.Exec;
import io.herald.testkit.net.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
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
        Set<String> links = Exec.run(Exec.SHORT, "ip", "-o", "link", "show").orThrow().lines()
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

        // /bin/readlink stands in for java: it prints the namespace the wrapper ran it in.
        String seen = Exec.run(Duration.ofSeconds(20), "env", "HERALD_JAVA=/bin/readlink", wrapper.toString(), "/proc/self/ns/net")
                .orThrow().strip();

        assertTrue(seen.startsWith("net:["), "the wrapped command printed its namespace: " + seen);
        assertNotEquals(Netns.namespaceOf(ProcessHandle.current().pid()), seen, "not this JVM's namespace");
        long wrapperOfThisJvm = ProcessHandle.current().parent().orElseThrow().pid();
        assertNotEquals(Netns.namespaceOf(wrapperOfThisJvm), seen, "not the namespace this JVM was started from");
        Set<String> left = namespaces();
        left.removeAll(before);
        assertEquals(Set.of(), left, "the wrapper deleted the namespace it made");
    }

    private static Set<String> namespaces() {
        return Netns.all().stream().filter(name -> name.startsWith("hjvm-")).collect(Collectors.toCollection(TreeSet::new));
    }
}
