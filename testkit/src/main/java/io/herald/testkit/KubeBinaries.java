package io.herald.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Finds the kube-apiserver and etcd binaries that scripts/kube-binaries.sh builds and caches. */
public final class KubeBinaries {
    private static final String SCRIPT = "scripts/kube-binaries.sh";

    private KubeBinaries() {}

    /**
     * The directory holding {@code kube-apiserver} and {@code etcd}: system property
     * {@code herald.kube.bin}, else {@code $HERALD_KUBE_BIN}, else whatever the build
     * script prints (it builds them the first time on a machine).
     */
    public static Path locate() {
        for (String given : new String[] {System.getProperty("herald.kube.bin"), System.getenv("HERALD_KUBE_BIN")}) {
            if (given != null && !given.isBlank()) {
                return check(Path.of(given), "herald.kube.bin / HERALD_KUBE_BIN");
            }
        }
        Path script = projectRoot().resolve(SCRIPT);
        try {
            Process build = new ProcessBuilder("bash", script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!build.waitFor(60, TimeUnit.MINUTES) || build.exitValue() != 0) {
                throw new IllegalStateException(SCRIPT + " failed (exit " + build.exitValue()
                        + "); run it by hand to see why, or set HERALD_KUBE_BIN");
            }
            return check(Path.of(out.lines().reduce((a, b) -> b).orElse("")), SCRIPT);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the Kubernetes binaries", e);
        }
    }

    private static Path check(Path dir, String origin) {
        for (String binary : new String[] {"kube-apiserver", "etcd"}) {
            if (!Files.isExecutable(dir.resolve(binary))) {
                throw new IllegalStateException(origin + " names " + dir + ", which has no executable " + binary
                        + "; run " + SCRIPT + " to build it");
            }
        }
        return dir;
    }

    /** The Herald checkout: system property {@code herald.project.root}, else the nearest parent holding the script. */
    public static Path projectRoot() {
        String given = System.getProperty("herald.project.root");
        if (given != null && !given.isBlank() && Files.exists(Path.of(given, SCRIPT))) {
            return Path.of(given);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(SCRIPT))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find " + SCRIPT + " above " + Path.of("").toAbsolutePath()
                + "; run tests from the Herald checkout or set HERALD_KUBE_BIN");
    }
}
