package io.herald.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.herald.common.config.AddressPool;
import io.herald.common.config.ConfigParser;
import io.herald.common.config.ParsedConfig;
import io.herald.common.ip.IpRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every file in config-samples/ is a ConfigMap a user can apply as it is. */
class ConfigSamplesTest {
    /** The documentation and benchmark ranges samples may use, so none is a real network's. */
    private static final List<IpRange> SAMPLE_RANGES = List.of(IpRange.parse("198.18.0.0/15"), IpRange.parse("2001:db8::/32"));

    private static Path samplesDirectory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("config-samples"))) {
                return dir.resolve("config-samples");
            }
        }
        throw new AssertionError("no config-samples directory above " + Path.of("").toAbsolutePath());
    }

    @TestFactory
    Stream<DynamicTest> everySampleIsAValidHeraldConfigMap() throws IOException {
        List<Path> samples;
        try (Stream<Path> files = Files.list(samplesDirectory())) {
            samples = files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(samples.isEmpty(), "config-samples/ holds no .yaml samples");
        return samples.stream().map(sample -> dynamicTest(sample.getFileName().toString(), () -> {
            ValidateConfigCommandTest.Run run = ValidateConfigCommandTest.controller("validate-config", sample.toString());
            assertEquals(0, run.exit(), run.err());
            assertEquals("", run.err());
            assertTrue(run.out().startsWith("valid: ") && run.out().lines().count() == 1, run.out());

            JsonNode manifest = new YAMLMapper().readTree(sample.toFile());
            assertEquals("ConfigMap", manifest.path("kind").asText());
            assertEquals("herald-config", manifest.path("metadata").path("name").asText());
            assertEquals("herald-system", manifest.path("metadata").path("namespace").asText());

            ParsedConfig.Valid parsed = assertInstanceOf(ParsedConfig.Valid.class, ConfigParser.parseConfigMap(Files.readString(sample)));
            assertFalse(parsed.config().pools().isEmpty(), "a sample shows at least one pool");
            for (AddressPool pool : parsed.config().pools()) {
                for (IpRange range : pool.ranges()) {
                    assertTrue(SAMPLE_RANGES.stream().anyMatch(r -> r.contains(range.first()) && r.contains(range.last())),
                            pool.name() + ": " + range + " is outside 198.18.0.0/15 and 2001:db8::/32");
                }
            }
        }));
    }
}
