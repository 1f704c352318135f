package io.herald.speaker.l2;

import java.util.Objects;

/**
 * The network interface a frame came in on and a reply goes out of.
 *
 * @param name  the kernel's name, such as "eth0"
 * @param mac   the interface's own address: what we answer with, and how we recognise our own frames
 * @param index the kernel's interface index (NetworkInterface.getIndex())
 */
public record InterfaceInfo(String name, MacAddress mac, int index) {
    public InterfaceInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mac, "mac");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an interface needs a name");
        }
        if (!mac.isUnicast()) {
            throw new IllegalArgumentException("interface " + name + " has MAC " + mac
                    + ", which no host can answer with; it must be a unicast address");
        }
        if (index < 1) {
            throw new IllegalArgumentException("interface " + name + " has index " + index + "; Linux numbers interfaces from 1");
        }
    }
}
