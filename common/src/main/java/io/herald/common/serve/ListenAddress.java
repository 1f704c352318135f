package io.herald.common.serve;

import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT}, {@code :PORT} or {@code [IPv6]:PORT} as given on a command line. */
public final class ListenAddress {
    private ListenAddress() {}

    public static InetSocketAddress parse(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(option + ": \"" + text
                    + "\" has no port; write HOST:PORT or :PORT, e.g. :7472");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": \"" + text.substring(colon + 1)
                    + "\" is not a port number (0-65535)");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
