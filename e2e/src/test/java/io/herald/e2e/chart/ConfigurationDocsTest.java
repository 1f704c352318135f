package io.herald.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.herald.common.Annotations;
import io.herald.common.config.ConfigError;
import io.herald.common.config.ConfigParser;
import io.herald.controller.ControllerCommand;
import io.herald.speaker.SpeakerCommand;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/configuration.md names everything a user can set: each annotation and label in
 * {@link Annotations}, each config key the parser accepts, each flag of both commands.
 * A new one fails here until it is documented.
 */
class ConfigurationDocsTest {
    private static final String DOCS = read();

    @Test
    void everyAnnotationAndLabelIsDocumented() throws IllegalAccessException {
        List<String> values = new ArrayList<>();
        for (Field field : Annotations.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                values.add((String) field.get(null));
            }
        }
        assertFalse(values.isEmpty());
        assertEquals(List.of(), missing(values, "`"), "annotations and labels not in docs/configuration.md");
    }

    @Test
    void everyConfigKeyIsDocumented() {
        List<String> keys = acceptedConfigKeys();
        assertEquals(List.of(), missing(keys, "`"), "config keys (accepted by ConfigParser) not in docs/configuration.md");
    }

    @Test
    void everyFlagOfBothCommandsIsDocumented() {
        List<String> flags = new ArrayList<>();
        flags.addAll(flags(new CommandLine(new ControllerCommand()).getCommandSpec()));
        flags.addAll(flags(new CommandLine(new SpeakerCommand()).getCommandSpec()));
        assertFalse(flags.isEmpty());
        assertEquals(List.of(), missing(flags, ""), "flags not in docs/configuration.md");
    }

    /**
     * The keys ConfigParser accepts, in its own words: an unknown key at each level of a
     * config is refused with "keys allowed here: ...".
     */
    static List<String> acceptedConfigKeys() {
        String probe = """
                not-a-key: 1
                address-pools:
                - name: a
                  addresses: [198.18.0.1]
                  not-a-key: 1
                  node-selectors:
                  - not-a-key: 1
                    match-expressions:
                    - {key: a, operator: Exists, not-a-key: 1}
                """;
        Pattern allowed = Pattern.compile("keys allowed here: (.*)$");
        TreeSet<String> keys = new TreeSet<>();
        int levels = 0;
        for (ConfigError error : ConfigParser.parse(probe).errors()) {
            Matcher m = allowed.matcher(error.message());
            if (error.path().endsWith("not-a-key") && m.find()) {
                keys.addAll(Arrays.asList(m.group(1).split(",\\s*")));
                levels++;
            }
        }
        assertEquals(4, levels, "the parser refuses an unknown key at the top, in a pool, a selector and an expression: "
                + ConfigParser.parse(probe).errors());
        return List.copyOf(keys);
    }

    /** Long names of the options of a command and its subcommands, but --help and --version. */
    private static List<String> flags(CommandSpec command) {
        List<String> out = new ArrayList<>();
        for (OptionSpec option : command.options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                out.add(option.longestName());
            }
        }
        command.subcommands().values().forEach(sub -> out.addAll(flags(sub.getCommandSpec())));
        return out;
    }

    /** Names not in the docs; quote "`" wants them as code, "" anywhere but inside a longer name. */
    private static List<String> missing(List<String> names, String quote) {
        return names.stream().distinct()
                .filter(name -> !Pattern.compile(Pattern.quote(quote + name) + (quote.isEmpty() ? "(?![\\w-])" : "[`:= ]"))
                        .matcher(DOCS).find())
                .toList();
    }

    private static String read() {
        String root = System.getProperty("herald.project.root");
        Path docs = (root == null || root.isBlank() ? Path.of("..") : Path.of(root)).resolve("docs").resolve("configuration.md");
        try {
            return Files.readString(docs);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + docs.toAbsolutePath(), e);
        }
    }
}
