package io.herald.controller;

import io.herald.common.cli.Commands;
import io.herald.common.config.ConfigError;
import io.herald.common.config.ConfigParser;
import io.herald.common.config.ConfigSummary;
import io.herald.common.config.ParsedConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code controller validate-config FILE}: the controller's own check of a config, without a cluster, for CI. */
@Command(name = "validate-config", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        description = {
            "Checks an address-pool config file, without a cluster.",
            "",
            "Reads it exactly as the controller does: run it in CI before kubectl apply.",
            "Valid: prints one summary line and exits 0.",
            "Invalid: prints every error, one per line, as FILE: PLACE: what is wrong; how",
            "to fix it, and exits 1."
        })
public final class ValidateConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE",
            description = "the herald-config ConfigMap manifest, or the bare config (the YAML with address-pools)")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file");
            return 1;
        } catch (AccessDeniedException e) {
            err.println(file + ": permission denied");
            return 1;
        } catch (CharacterCodingException e) {
            err.println(file + ": not UTF-8 text; save it as UTF-8");
            return 1;
        } catch (IOException e) {
            err.println(file + ": cannot be read: " + e.getMessage());
            return 1;
        }
        ParsedConfig parsed = ConfigParser.parseConfigMap(text);
        if (parsed instanceof ParsedConfig.Valid valid) {
            out.println("valid: " + ConfigSummary.of(valid.config()));
            return 0;
        }
        for (ConfigError error : parsed.errors()) {
            err.println(file + ": " + error);
        }
        return 1;
    }
}
