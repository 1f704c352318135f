package io.herald.e2e.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The objects of a rendered chart, as a user would read them from {@code helm template}. */
record Manifests(String yaml, List<JsonNode> objects) {
    private static final YAMLMapper YAML = new YAMLMapper();

    static Manifests parse(String yaml) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && document.isObject() && !document.isEmpty()) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm template printed YAML that does not parse:\n" + yaml, e);
        }
        return new Manifests(yaml, List.copyOf(objects));
    }

    static String kind(JsonNode object) {
        return object.path("kind").asText();
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    /** "Kind/name", as kubectl names an object. */
    static String id(JsonNode object) {
        return kind(object) + "/" + name(object);
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(kind(o))).toList();
    }

    List<JsonNode> where(Predicate<JsonNode> filter) {
        return objects.stream().filter(filter).toList();
    }

    List<String> ids() {
        return objects.stream().map(Manifests::id).sorted().toList();
    }

    JsonNode one(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(kind(o)) && name.equals(name(o))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " rendered; there are " + ids()));
    }

    /** The object as client-java's model, for reading it the way the API server will. */
    <T> T one(Class<T> type, String kind, String name) {
        return JSON.deserialize(one(kind, name).toString(), type);
    }
}
