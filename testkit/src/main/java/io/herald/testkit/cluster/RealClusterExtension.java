package io.herald.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes one shared {@link RealCluster} of three nodes: started before the
 * first class that asks for it, with every image archive ({@code *.tar}) in the directory
 * that system property {@code herald.images.dir} names imported, and torn down when the
 * test run ends, also after failures. A class that changes the cluster (a node powered
 * off, Herald installed) puts it back before it ends. Use it with
 * {@code @TestInstance(PER_CLASS)} and take the cluster in {@code @BeforeAll}.
 */
public final class RealClusterExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealClusterExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    private static RealCluster cluster(ExtensionContext context) {
        // The root store: one cluster for every class of the test run, closed when the run ends.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Holder.class, k -> new Holder(RealCluster.builder().images(images()).start()), Holder.class)
                .cluster();
    }

    /** The archives to import; the build (e2e's pom) runs scripts/images.sh into that directory. */
    public static List<Path> images() {
        String dir = System.getProperty("herald.images.dir");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("system property herald.images.dir names no directory; run the tests with Maven,"
                    + " or build the images with scripts/images.sh DIR and pass -Dherald.images.dir=DIR");
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            List<Path> archives = files.filter(f -> f.getFileName().toString().endsWith(".tar")).sorted().toList();
            if (archives.isEmpty()) {
                throw new IllegalStateException("no image archive (*.tar) in " + dir + "; scripts/images.sh " + dir + " builds them");
            }
            return archives;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the images in " + dir + "; scripts/images.sh " + dir + " builds them", e);
        }
    }

    private record Holder(RealCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RealCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }
}
