package io.herald.testkit;

import io.herald.common.kube.KubeClients;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Clients and kubeconfig files that authenticate with a bearer token only. */
final class TokenClients {
    private TokenClients() {}

    static ApiClient client(String url, String caPem, String token) {
        ApiClient client = new ClientBuilder()
                .setBasePath(url)
                .setVerifyingSsl(true)
                .setCertificateAuthority(caPem.getBytes(StandardCharsets.UTF_8))
                .build();
        client.setApiKey("Bearer " + token);
        return KubeClients.withoutReadTimeout(client);
    }

    static Path kubeconfig(Path file, String url, String caPem, String user, String token) {
        String caData = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
        String yaml = String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: herald-test",
                "  cluster:",
                "    server: " + url,
                "    certificate-authority-data: " + caData,
                "users:",
                "- name: \"" + user + "\"",
                "  user:",
                "    token: " + token,
                "contexts:",
                "- name: herald-test",
                "  context: {cluster: herald-test, user: \"" + user + "\"}",
                "current-context: herald-test",
                "");
        try {
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
