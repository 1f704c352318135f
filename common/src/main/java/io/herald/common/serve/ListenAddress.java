package io.herald.common.serve;

import io.herald.common.ip.IpAddress;
import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT}, {@code :PORT} or {@code [IPv6]:PORT} as given on a command line. */
public final class ListenAddress {
    private ListenAddress() {}

    public static InetSocketAddress parse(String option, String text) {
        int colon = colon(option, text);
        String host = host(text, colon);
        int port = port(option, text, colon);
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /**
     * {@code IP:PORT} or {@code [IPv6]:PORT} with an address literal, never a name to look
     * up, and a port from 1: where a peer listens, as another process wrote it.
     *
     * @throws IllegalArgumentException naming {@code where} and what is wrong
     */
    public static InetSocketAddress parseIp(String where, String text) {
        int colon = colon(where, text);
        int port = port(where, text, colon);
        if (port == 0) {
            throw new IllegalArgumentException(where + ": port 0 is nobody's");
        }
        try {
            return new InetSocketAddress(IpAddress.parse(host(text, colon)).toInetAddress(), port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** {@code IP:PORT}, or {@code [IPv6]:PORT}: what {@link #parseIp} reads. */
    public static String format(InetSocketAddress address) {
        String host = IpAddress.of(address.getAddress()).toString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static int colon(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(option + ": \"" + text
                    + "\" has no port; write HOST:PORT or :PORT, e.g. :7472");
        }
        return colon;
    }

    private static String host(String text, int colon) {
        String host = text.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String option, String text, int colon) {
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
        return port;
    }
}
