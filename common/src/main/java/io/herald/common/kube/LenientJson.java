package io.herald.common.kube;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.io.IOException;

/**
 * Reads what the API server really sends where client-java's generated models are
 * stricter than the server. An EndpointSlice with no endpoints (a Service scaled to
 * zero) comes as {@code "endpoints": null}, which client-java 25 rejects, and one such
 * slice would break a whole list or watch. Kubernetes fixed the server side later
 * (kubernetes/kubernetes#136109); until every cluster runs that, null is read as [].
 */
public final class LenientJson {
    private static boolean installed;

    private LenientJson() {}

    /** Installs the lenient readers into client-java's shared Gson; idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        JSON.setGson(JSON.getGson().newBuilder().registerTypeAdapterFactory(new NullEndpoints()).create());
        installed = true;
    }

    private static final class NullEndpoints implements TypeAdapterFactory {
        @Override
        @SuppressWarnings("unchecked")
        public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
            if (!V1EndpointSlice.class.equals(type.getRawType())) {
                return null;
            }
            TypeAdapter<V1EndpointSlice> delegate = gson.getDelegateAdapter(this, TypeToken.get(V1EndpointSlice.class));
            TypeAdapter<JsonElement> elements = gson.getAdapter(JsonElement.class);
            return (TypeAdapter<T>) new TypeAdapter<V1EndpointSlice>() {
                @Override
                public void write(JsonWriter out, V1EndpointSlice value) throws IOException {
                    delegate.write(out, value);
                }

                @Override
                public V1EndpointSlice read(JsonReader in) throws IOException {
                    JsonElement tree = elements.read(in);
                    if (tree instanceof JsonObject object && object.has("endpoints") && object.get("endpoints").isJsonNull()) {
                        object.add("endpoints", new JsonArray());
                    }
                    return delegate.fromJsonTree(tree);
                }
            };
        }
    }
}
