package io.herald.common.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reads one YAML document into a tree, or says at which line and column it cannot. */
final class YamlDocument {
    private YamlDocument() {}

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // YAML forbids it; Jackson would keep the last
            .build();
    private static final Pattern DUPLICATE_KEY = Pattern.compile("Duplicate field '(.*)'");

    /** YAML that cannot be read, at a 1-based line and column. */
    static final class Unreadable extends Exception {
        final int line;
        final int column;

        Unreadable(int line, int column, String message) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }

        Unreadable(JsonLocation at, String message) {
            this(at == null ? 1 : at.getLineNr(), at == null ? 1 : at.getColumnNr(), message);
        }
    }

    /** The document's tree; null when the text holds no document (empty, or comments only). */
    static JsonNode read(String text) throws Unreadable {
        try {
            check(text);
            try (JsonParser parser = YAML.createParser(text)) {
                // check() allows one document with content; empty ones around it read as null
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    JsonNode document = YAML.readTree(parser);
                    if (document != null && !document.isNull() && !document.isMissingNode()) {
                        return document;
                    }
                }
                return null;
            }
        } catch (JsonProcessingException e) {
            throw unreadable(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String: no I/O happens
        }
    }

    /**
     * Checks what the tree would hide: a second document (which would be ignored) and
     * aliases (which Jackson reads as the alias's name, not its value).
     */
    private static void check(String text) throws IOException, Unreadable {
        try (JsonParser parser = YAML.createParser(text)) {
            YAMLParser yaml = (YAMLParser) parser;
            int depth = 0;
            boolean seenDocument = false;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (yaml.isCurrentAlias()) {
                    throw new Unreadable(parser.currentTokenLocation(), "YAML aliases (*" + parser.getText()
                            + ") are not supported here; write the value out in full");
                }
                if (depth == 0 && token != JsonToken.VALUE_NULL) { // an empty document reads as null
                    if (seenDocument) {
                        throw new Unreadable(parser.currentTokenLocation(),
                                "a second YAML document starts here; keep only the config, or its ConfigMap, in this file");
                    }
                    seenDocument = true;
                }
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
            }
        }
    }

    private static Unreadable unreadable(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            String context = yaml.getContext() == null || yaml.getContextMark() == null ? ""
                    : " (" + yaml.getContext() + " at line " + (yaml.getContextMark().getLine() + 1)
                            + ", column " + (yaml.getContextMark().getColumn() + 1) + ")";
            return new Unreadable(yaml.getProblemMark().getLine() + 1, yaml.getProblemMark().getColumn() + 1,
                    "not valid YAML: " + yaml.getProblem() + context);
        }
        String message = e.getOriginalMessage().lines().findFirst().orElse("");
        Matcher duplicate = DUPLICATE_KEY.matcher(message);
        if (duplicate.find()) {
            return new Unreadable(e.getLocation(), "the key \"" + duplicate.group(1) + "\" appears twice in one mapping; keep one");
        }
        return new Unreadable(e.getLocation(), "not valid YAML: " + message);
    }
}
