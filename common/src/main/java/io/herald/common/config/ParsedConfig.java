package io.herald.common.config;

import java.util.List;

/** What {@link ConfigParser} made of a config: a {@link Valid} config, or every error in it. */
public sealed interface ParsedConfig permits ParsedConfig.Valid, ParsedConfig.Invalid {

    /** Every error, in the order they appear in the file; empty when valid. */
    default List<ConfigError> errors() {
        return List.of();
    }

    record Valid(Config config) implements ParsedConfig {}

    /** A config rejected whole: nothing in it may be used. */
    record Invalid(List<ConfigError> errors) implements ParsedConfig {
        public Invalid {
            errors = List.copyOf(errors);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("an invalid config has at least one error");
            }
        }
    }
}
