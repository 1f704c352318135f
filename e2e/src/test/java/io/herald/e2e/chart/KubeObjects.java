package io.herald.e2e.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.Discovery;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.ApiResponse;
import io.kubernetes.client.openapi.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Creates rendered objects of any kind on an API server, as {@code kubectl create} does:
 * the resource from discovery, strict field validation, and the server's warnings returned.
 */
final class KubeObjects {
    private final ApiClient client;
    private final Set<Discovery.APIResource> resources;

    KubeObjects(ApiClient client) throws ApiException {
        this.client = client;
        this.resources = new Discovery(client).findAll();
    }

    /** The API resource serving this object's apiVersion and kind; empty when the API server does not know it. */
    Optional<Discovery.APIResource> resourceOf(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return resources.stream()
                .filter(r -> r.getGroup().equals(group) && r.getVersions().contains(version)
                        && r.getKind().equals(Manifests.kind(object)))
                .findFirst();
    }

    /**
     * POSTs the object with {@code fieldValidation=Strict}, so an unknown or misplaced field is
     * an error rather than dropped, and with {@code dryRun=All} when asked; returns the warnings.
     */
    List<String> create(JsonNode object, boolean dryRun) throws ApiException {
        Discovery.APIResource resource = resourceOf(object).orElseThrow(
                () -> new IllegalArgumentException("the API server does not serve " + Manifests.id(object)));
        String path = (resource.getGroup().isEmpty() ? "/api/" : "/apis/") + object.path("apiVersion").asText()
                + (resource.getNamespaced() ? "/namespaces/" + object.at("/metadata/namespace").asText() : "")
                + "/" + resource.getResourcePlural();
        List<Pair> query = new ArrayList<>(List.of(new Pair("fieldValidation", "Strict")));
        if (dryRun) {
            query.add(new Pair("dryRun", "All"));
        }
        JsonObject body = JsonParser.parseString(object.toString()).getAsJsonObject();
        // buildCall adds to the collections it is given.
        var call = client.buildCall(client.getBasePath(), path, "POST", query, new ArrayList<>(), body,
                new HashMap<>(Map.of("Accept", "application/json", "Content-Type", "application/json")),
                new HashMap<>(), new HashMap<>(), new String[] {"BearerToken"}, null);
        ApiResponse<JsonObject> response = client.execute(call, JsonObject.class);
        return response.getHeaders().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("Warning"))
                .flatMap(h -> h.getValue().stream())
                .toList();
    }
}
