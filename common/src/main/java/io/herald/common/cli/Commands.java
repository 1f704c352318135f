package io.herald.common.cli;

import java.util.Optional;
import picocli.CommandLine;

/** Runs a picocli command the same way for every Herald binary. */
public final class Commands {
    private Commands() {}

    public static int execute(Object command, String... args) {
        CommandLine line = new CommandLine(command);
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setUsageHelpLongOptionsMaxWidth(32);
        return line.execute(args);
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
