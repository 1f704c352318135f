package io.herald.e2e.lab;

import java.util.Optional;

/**
 * The client's neighbour-table entry ({@code ip neigh}) for one address: the MAC it
 * resolved to, if any, and the kernel's state (REACHABLE, STALE, DELAY, PROBE,
 * INCOMPLETE, FAILED, ...).
 */
public record Neighbour(String ip, Optional<String> mac, String state) {
    /** Nobody answered: resolution is still going on or has given up. */
    public boolean unresolved() {
        return mac.isEmpty() && (state.equals("INCOMPLETE") || state.equals("FAILED"));
    }

    /** Parses one line of {@code ip neigh show to IP dev eth0}, e.g. "198.18.0.11 lladdr 02:00:00:00:00:11 REACHABLE". */
    static Neighbour parse(String ip, String line) {
        String[] words = line.strip().split("\\s+");
        String mac = null;
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("lladdr")) {
                mac = words[i + 1];
            }
        }
        return new Neighbour(ip, Optional.ofNullable(mac), words[words.length - 1]);
    }
}
