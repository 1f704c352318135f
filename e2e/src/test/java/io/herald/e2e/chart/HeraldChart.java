package io.herald.e2e.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** charts/herald through Helm's own code (helm-java), as {@code helm lint} and {@code helm template} run it. */
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

    static LintResult lintStrict() {
        return new Helm(directory()).lint().strict().call();
    }

    /**
     * {@code helm template herald charts/herald -n NAMESPACE [-f VALUES] [--set K=V ...]}. Helm's
     * errors, the values schema's among them, come out as the exception's message.
     */
    static Manifests template(String namespace, Path valuesFile, Map<String, Object> set) {
        return template(RELEASE, namespace, valuesFile, set);
    }

    static Manifests template(String release, String namespace, Path valuesFile, Map<String, Object> set) {
        TemplateCommand template = new Helm(directory()).template().withName(release).withNamespace(namespace)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template.withValuesFile(valuesFile);
        }
        set.forEach(template::set);
        return Manifests.parse(template.call());
    }

    static Manifests template(String namespace) {
        return template(namespace, null, Map.of());
    }

    /** The pod spec ({@code spec.template.spec}) the default values render for a workload, e.g. ("DaemonSet", "herald-speaker"). */
    public static JsonNode podSpec(String kind, String name) {
        return template("herald-system").one(kind, name).path("spec").path("template").path("spec");
    }
}
