package io.herald.e2e.cluster;

/** The test backend ({@code herald.local/backend:1}: "pod POD on node NODE" on :8080) as the workloads tests deploy. */
final class Workloads {
    static final String BACKEND = "herald.local/backend:1";

    private Workloads() {}

    /** The pod template's containers part: the backend with its pod and node name from the downward API. */
    static String backendContainer(int port) {
        return """
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: backend
                        image: %s
                        imagePullPolicy: Never
                        env:
                        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                        - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                        - {name: PORT, value: "%d"}
                        ports: [{containerPort: %d}]
                        readinessProbe: {httpGet: {path: /, port: %d}, periodSeconds: 1}
                """.formatted(BACKEND, port, port, port);
    }

    /** A hostNetwork DaemonSet of the backend on :port of every node. */
    static String hostNetworkDaemonSet(String namespace, String name, int port) {
        return """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:
                      hostNetwork: true
                """.formatted(name, namespace) + backendContainer(port);
    }

    /** A Deployment of the backend on the pod network, one replica per node at most. */
    static String deployment(String namespace, String name, int replicas) {
        return deployment(namespace, name, replicas, """
                      topologySpreadConstraints:
                      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
                         labelSelector: {matchLabels: {app: %s}}}
                """.formatted(name));
    }

    /** A Deployment of the backend pinned to one node. */
    static String deploymentOn(String namespace, String name, int replicas, String node) {
        return deployment(namespace, name, replicas, "      nodeSelector: {kubernetes.io/hostname: %s}\n".formatted(node));
    }

    /** A Deployment of the backend; {@code placement}: pod spec lines that say where its pods may run. */
    private static String deployment(String namespace, String name, int replicas, String placement) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  replicas: %3$d
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:
                """.formatted(name, namespace, replicas) + placement + backendContainer(8080);
    }

    /** A Service in front of app {@code app}: port 80 to 8080. */
    static String service(String namespace, String name, String app, String type, String extra) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: %s}
                spec:
                  type: %s
                  selector: {app: %s}
                  ports: [{port: 80, targetPort: 8080}]
                %s
                """.formatted(name, namespace, type, app, extra == null ? "" : extra);
    }
}
