package io.herald.controller.allocation;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The (protocol, port) pairs a Service exposes on its load-balancer IP: what decides
 * whether two Services can share one address.
 *
 * @param ports sorted and without duplicates, whatever order they were given in
 */
public record PortSet(List<Port> ports) {
    public static final PortSet NONE = new PortSet(List.of());

    public PortSet {
        ports = ports.stream().map(Objects::requireNonNull).distinct().sorted().toList();
    }

    public static PortSet of(Port... ports) {
        return new PortSet(Arrays.asList(ports));
    }

    /** One exposed port, e.g. TCP/80. */
    public record Port(Protocol protocol, int number) implements Comparable<Port> {
        private static final Comparator<Port> ORDER =
                Comparator.comparing(Port::protocol).thenComparingInt(Port::number);

        public Port {
            Objects.requireNonNull(protocol, "protocol");
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("port " + number + " is outside 1-65535");
            }
        }

        public static Port tcp(int number) {
            return new Port(Protocol.TCP, number);
        }

        public static Port udp(int number) {
            return new Port(Protocol.UDP, number);
        }

        @Override
        public int compareTo(Port other) {
            return ORDER.compare(this, other);
        }

        @Override
        public String toString() {
            return protocol + "/" + number;
        }
    }

    @Override
    public String toString() {
        return ports.toString();
    }
}
