package io.herald.common.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/**
 * Named checks behind {@code /healthz} (is the process still doing its job?) and
 * {@code /readyz} (has it synced enough to act?). Each check returns the problem in
 * words a user can act on, or empty when all is well.
 */
public final class Health {
    private final Map<String, Supplier<Optional<String>>> liveness = new ConcurrentSkipListMap<>();
    private final Map<String, Supplier<Optional<String>>> readiness = new ConcurrentSkipListMap<>();

    public void addLiveness(String name, Supplier<Optional<String>> problem) {
        liveness.put(name, problem);
    }

    public void addReadiness(String name, Supplier<Optional<String>> problem) {
        readiness.put(name, problem);
    }

    public Report live() {
        return Report.of(liveness);
    }

    /** Ready means every readiness check and every liveness check passes. */
    public Report ready() {
        Map<String, Supplier<Optional<String>>> all = new ConcurrentSkipListMap<>(liveness);
        all.putAll(readiness);
        return Report.of(all);
    }

    /** The outcome of a set of checks, rendered like kube-apiserver's verbose /readyz. */
    public record Report(boolean ok, List<String> lines) {
        static Report of(Map<String, Supplier<Optional<String>>> checks) {
            List<String> lines = new ArrayList<>();
            boolean ok = true;
            for (var check : checks.entrySet()) {
                Optional<String> problem;
                try {
                    problem = check.getValue().get();
                } catch (RuntimeException e) {
                    problem = Optional.of("check threw " + e);
                }
                ok &= problem.isEmpty();
                lines.add(problem.map(p -> "[-]" + check.getKey() + " failed: " + p)
                        .orElse("[+]" + check.getKey() + " ok"));
            }
            return new Report(ok, List.copyOf(lines));
        }

        public String text() {
            return String.join("\n", lines) + "\n" + (ok ? "ok" : "failed") + "\n";
        }
    }
}
