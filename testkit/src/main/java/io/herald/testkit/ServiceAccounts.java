package io.herald.testkit;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;

/** Mints ServiceAccount tokens through the TokenRequest API, as the kubelet does for pods. */
final class ServiceAccounts {
    private static final long TOKEN_SECONDS = 2 * 3600;

    private ServiceAccounts() {}

    static String token(ApiClient admin, String namespace, String name) {
        CoreV1Api core = new CoreV1Api(admin);
        try {
            createIfMissing(() -> core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute());
            createIfMissing(() -> core.createNamespacedServiceAccount(namespace,
                    new V1ServiceAccount().metadata(new V1ObjectMeta().name(name))).execute());
            var request = new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(TOKEN_SECONDS));
            return core.createNamespacedServiceAccountToken(name, namespace, request).execute().getStatus().getToken();
        } catch (ApiException e) {
            throw new IllegalStateException("cannot mint a token for ServiceAccount " + namespace + "/" + name
                    + ": HTTP " + e.getCode() + " " + e.getResponseBody(), e);
        }
    }

    interface Create {
        void run() throws ApiException;
    }

    static void createIfMissing(Create create) throws ApiException {
        try {
            create.run();
        } catch (ApiException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
