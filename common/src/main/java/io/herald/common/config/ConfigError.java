package io.herald.common.config;

/**
 * One thing wrong with a config, and where.
 *
 * @param path    where: a path into the config such as {@code address-pools[1].addresses[0]}, or
 *                {@code line 3, column 5} for YAML that cannot be read at all
 * @param message what is wrong and how to fix it
 */
public record ConfigError(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
