package io.herald.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code controller validate-config FILE}, run in-process as a user's CI would run it. */
class ValidateConfigCommandTest {
    record Run(int exit, String out, String err) {}

    /** Runs the controller's command line with these arguments, capturing what it prints. */
    static Run controller(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new ControllerCommand());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int exit = line.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static final String CONFIG = """
            address-pools:
            - name: default
              protocol: layer2
              addresses:
              - 198.18.0.100-198.18.0.150
              - 2001:db8::100/124
            - name: edge
              addresses: [198.18.1.0/28]
              auto-assign: false
            """;

    private static final String SUMMARY = "valid: 2 pools: default (51 IPv4, 16 IPv6), edge (16 IPv4, auto-assign off)\n";

    @Test
    void validConfigMapManifestPrintsOneSummaryLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("cm.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: herald-config
                  namespace: herald-system
                data:
                  config: |
                """ + CONFIG.indent(4));
        Run run = controller("validate-config", file.toString());
        assertEquals(new Run(0, SUMMARY, ""), run);
    }

    @Test
    void validBareConfigPrintsOneSummaryLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("pools.yaml"), CONFIG);
        assertEquals(new Run(0, SUMMARY, ""), controller("validate-config", file.toString()));
    }

    @Test
    void noPoolsIsValidAndSaysWhatItMeans(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("empty.yaml"), "address-pools: []\n");
        assertEquals(new Run(0, "valid: no address pools; Services of type LoadBalancer stay pending until you add one\n", ""),
                controller("validate-config", file.toString()));
    }

    @Test
    void invalidFilePrintsEveryErrorWithTheFileNameAndExits1(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("cm.yaml"), """
                kind: ConfigMap
                data:
                  config: |
                    address-pools:
                    - name: default
                      addresses: [198.18.0.0/24]
                    - name: edge
                      protocol: bgp
                      addresses: [198.18.0.300, 198.18.0.128/25]
                      auto-assign: maybe
                """);
        Run run = controller("validate-config", file.toString());
        assertEquals(1, run.exit());
        assertEquals("", run.out());
        assertEquals(String.join("\n",
                file + ": address-pools[1].protocol: \"bgp\" is not supported: Herald announces with layer2 only; "
                        + "write \"protocol: layer2\" or leave the key out",
                file + ": address-pools[1].addresses[0]: \"198.18.0.300\" is not an IP address",
                file + ": address-pools[1].addresses[1]: \"198.18.0.128/25\" overlaps \"198.18.0.0/24\" at "
                        + "address-pools[0].addresses[0] (pool \"default\"); an address may belong to one pool only",
                file + ": address-pools[1].auto-assign: must be true or false, not \"maybe\"",
                ""), run.err());
    }

    @Test
    void configMapWithoutTheConfigKeySaysWhichKey(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("cm.yaml"), "kind: ConfigMap\ndata:\n  pools: |\n    address-pools: []\n");
        assertEquals(new Run(1, "", file + ": data.config: missing; Herald reads its pools from the \"config\" key\n"),
                controller("validate-config", file.toString()));
    }

    @Test
    void missingFileIsAClearErrorAndExit1(@TempDir Path dir) {
        Path file = dir.resolve("nowhere.yaml");
        assertEquals(new Run(1, "", file + ": no such file\n"), controller("validate-config", file.toString()));
    }

    @Test
    void directoryIsAClearErrorAndExit1(@TempDir Path dir) {
        Run run = controller("validate-config", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith(dir + ": cannot be read: "), run.err());
    }

    @Test
    void helpExplainsTheCommand() {
        Run run = controller("validate-config", "--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().startsWith("Usage: controller validate-config [-hV] FILE"), run.out());
        assertTrue(run.out().contains("before kubectl apply"), run.out());
    }

    @Test
    void withoutFileIsAUsageError() {
        Run run = controller("validate-config");
        assertEquals(2, run.exit(), "picocli's exit code for a usage error");
        assertTrue(run.err().contains("Missing required parameter: 'FILE'"), run.err());
    }

    @Test
    void theBareControllerCommandStillRunsTheController() {
        CommandLine line = new CommandLine(new ControllerCommand());
        assertFalse(line.parseArgs("--api-wait", "1s").hasSubcommand(), "no subcommand: call() runs the controller");
        assertTrue(line.getSubcommands().containsKey("validate-config"));
        Run help = controller("--help");
        assertTrue(help.out().contains("validate-config"), "controller --help lists the subcommand:\n" + help.out());
    }
}
