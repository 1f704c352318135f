# Herald's container images: one definition for both parts.
#
# With a Docker engine (after "mvn -B package -DskipTests"):
#   docker build --target controller -t herald/controller:0.1.0 .
#   docker build --target speaker    -t herald/speaker:0.1.0 .
# Without one, scripts/images.sh reads this file and builds the same images from
# Debian packages (mmdebstrap, umoci, skopeo): same base, same files, same user and
# entrypoint. It knows FROM, RUN apt-get install, COPY, USER, EXPOSE, ENV and
# ENTRYPOINT as written here, and refuses anything else.

# Both parts share one base layer: a Java 17 runtime, CA certificates (TLS to the API
# server) and libpcap (the speaker's raw sockets; a megabyte the controller carries so
# that nodes store one base, not two). One image per part rather than one for both:
# each keeps only its own jars, and the chart can pin and roll each separately.
FROM debian:bookworm-slim AS runtime
# bookworm-slim drops /usr/share/man, which the JRE's postinst needs to exist.
RUN mkdir -p /usr/share/man/man1 && apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless libpcap0.8 ca-certificates && rm -rf /var/lib/apt/lists/*

FROM runtime AS controller
# The jar's manifest puts lib/*.jar on its class path: both go in, side by side.
COPY controller/target/lib/ /opt/herald/lib/
COPY controller/target/herald-controller.jar /opt/herald/herald-controller.jar
# No root needed: the controller only talks to the API server.
USER 65532:65532
EXPOSE 7472
# Exit on OutOfMemoryError so that the kubelet restarts the pod rather than it limping on.
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/herald/herald-controller.jar"]

FROM runtime AS speaker
COPY speaker/target/lib/ /opt/herald/lib/
COPY speaker/target/herald-speaker.jar /opt/herald/herald-speaker.jar
# Root inside the container with only CAP_NET_RAW (the chart drops the rest):
# Kubernetes cannot hand a capability to a non-root process without file capabilities.
EXPOSE 7473
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/herald/herald-speaker.jar"]
