package io.herald.e2e.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.testkit.net.Exec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An image archive as {@code scripts/images.sh} writes it, read and unpacked the way a
 * container runtime does before it starts a container: the image's config (user,
 * entrypoint, environment), and its layers laid out as an OCI runtime bundle's rootfs.
 */
record ImageArchive(Path archive, String reference, JsonNode config, Path bundle) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration UNPACK = Duration.ofMinutes(3);

    /** The archive {@code NAME.tar} in the images directory the build made. */
    static Path built(String name) {
        String dir = System.getProperty("herald.images.dir");
        Path archive = Path.of(dir == null ? "target/images" : dir, name + ".tar").toAbsolutePath();
        if (!Files.isRegularFile(archive)) {
            throw new IllegalStateException("no image " + archive + "; scripts/images.sh builds it (mvn verify in e2e runs it)");
        }
        return archive;
    }

    /** Unpacks {@code archive} under {@code work}: skopeo to an OCI layout, then umoci to a bundle, as root. */
    static ImageArchive unpack(Path archive, Path work) {
        try {
            Files.createDirectories(work);
            JsonNode config = JSON.readTree(Exec.run(UNPACK, "skopeo", "inspect", "--config", "docker-archive:" + archive).orThrow());
            JsonNode manifest = JSON.readTree(Exec.run(UNPACK, "skopeo", "inspect", "docker-archive:" + archive).orThrow());
            Path layout = work.resolve("oci");
            Exec.run(UNPACK, "skopeo", "copy", "--quiet", "docker-archive:" + archive, "oci:" + layout + ":image").orThrow();
            Path bundle = work.resolve("bundle");
            Exec.run(UNPACK, "umoci", "unpack", "--image", layout + ":image", bundle.toString()).orThrow();
            Exec.run(Exec.SHORT, "rm", "-rf", "--one-file-system", "--", layout.toString()).orThrow();
            String reference = manifest.path("RepoTags").path(0).asText(archive.getFileName().toString());
            return new ImageArchive(archive, reference, config, bundle);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + archive, e);
        }
    }

    /** The image's runtime settings (Docker's "config" object: User, Entrypoint, Env, ExposedPorts). */
    JsonNode runtime() {
        return config.path("config");
    }

    Path rootfs() {
        return bundle.resolve("rootfs");
    }

    /** The runtime spec umoci wrote from the image config: the base every container of this image starts from. */
    JsonNode baseSpec() {
        try {
            return JSON.readTree(bundle.resolve("config.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
