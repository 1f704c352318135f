package io.herald.e2e.chart;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.testkit.KubeBinaries;
import io.herald.testkit.net.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * charts/herald through the helm CLI that scripts/kube-binaries.sh builds, as a user runs
 * {@code helm lint} and {@code helm template}: client only, so {@code lookup} finds nothing,
 * as it does for a first install.
 */
public final class HeraldChart {
    public static final String RELEASE = "herald";
    /** helm template assumes Kubernetes 1.20 without a cluster; the lab's API server is 1.34 (scripts/kube-binaries.sh). */
    static final String KUBE_VERSION = "v1.34.4";

    private HeraldChart() {}

    public static Path directory() {
        String root = System.getProperty("herald.project.root");
        Path chart = (root == null || root.isBlank() ? Path.of("..") : Path.of(root)).resolve("charts").resolve("herald");
        if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + chart.toAbsolutePath());
        }
        return chart.toAbsolutePath().normalize();
    }

    /** A values file from this module's test resources (chart/NAME). */
    static Path values(String name) {
        Path file = Path.of("src", "test", "resources", "chart", name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no values file " + file.toAbsolutePath());
        }
        return file.toAbsolutePath();
    }

    /** What {@code helm lint --strict} said: whether it failed, and its message lines ("[INFO] ...", "[ERROR] ..."). */
    record Lint(boolean failed, List<String> messages) {
    }

    static Lint lintStrict() {
        Exec.Result result = Exec.run(HELM_TIMEOUT, helm().toString(), "lint", "--strict", directory().toString());
        List<String> messages = (result.out() + "\n" + result.err()).lines().map(String::strip)
                .filter(l -> l.startsWith("[")).toList();
        return new Lint(result.exit() != 0, messages);
    }

    /**
     * {@code helm template herald charts/herald -n NAMESPACE [-f VALUES] [--set K=V ...]}. Helm's
     * errors, the values schema's among them, come out as the exception's message.
     */
    static Manifests template(String namespace, Path valuesFile, Map<String, Object> set) {
        return template(RELEASE, namespace, valuesFile, set);
    }

    static Manifests template(String release, String namespace, Path valuesFile, Map<String, Object> set) {
        List<String> command = new ArrayList<>(List.of(helm().toString(), "template", release, directory().toString(),
                "-n", namespace, "--kube-version", KUBE_VERSION));
        if (valuesFile != null) {
            command.addAll(List.of("-f", valuesFile.toString()));
        }
        set.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        Exec.Result result = Exec.run(HELM_TIMEOUT, null, command);
        if (result.exit() != 0) {
            throw new IllegalStateException(result.err().strip());
        }
        return Manifests.parse(result.out());
    }

    private static final Duration HELM_TIMEOUT = Duration.ofSeconds(60);

    private static Path helm() {
        Path helm = KubeBinaries.locate().resolve("helm");
        if (!Files.isExecutable(helm)) {
            throw new IllegalStateException(helm + " is missing: scripts/kube-binaries.sh builds it");
        }
        return helm;
    }

    static Manifests template(String namespace) {
        return template(namespace, null, Map.of());
    }

    /** The pod spec ({@code spec.template.spec}) the default values render for a workload, e.g. ("DaemonSet", "herald-speaker"). */
    public static JsonNode podSpec(String kind, String name) {
        return template("herald-system").one(kind, name).path("spec").path("template").path("spec");
    }
}
