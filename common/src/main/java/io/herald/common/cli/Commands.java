package io.herald.common.cli;

import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;

/** Runs a picocli command the same way for every Herald binary. */
public final class Commands {
    private Commands() {}

    public static int execute(Object command, String... args) {
        CommandLine line = new CommandLine(command);
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setUsageHelpLongOptionsMaxWidth(32);
        // A failed start says what and how to fix it in one line; the stack is for --debug logs.
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Logger log = LogManager.getLogger(cmd.getCommandName());
            log.error("{} failed: {}", cmd.getCommandName(), e.getMessage());
            log.debug("cause", e);
            return 1;
        });
        int exit;
        try {
            exit = line.execute(args);
        } catch (Throwable e) { // picocli rethrows Errors; a half-started daemon must not linger
            LogManager.getLogger(line.getCommandName()).error("{} failed: {}", line.getCommandName(), e.toString(), e);
            exit = 1;
        }
        LogManager.shutdown();
        return exit;
    }

    /** The version stamped into the jar, or "dev" when run from classes. */
    public static String version() {
        return Optional.ofNullable(Commands.class.getPackage().getImplementationVersion()).orElse("dev");
    }

    /** picocli's {@code --version}. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Herald " + version() + " (Java " + Runtime.version() + ")"};
        }
    }
}
