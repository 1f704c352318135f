package io.herald.speaker.l2;

import java.util.Arrays;
import java.util.HexFormat;

/** Frames written out in hex, field by field, so tests do not build them with the code under test. */
final class Hex {
    private Hex() {
    }

    /** The bytes of hex text; spaces, line breaks and '|' between fields are ignored. */
    static byte[] bytes(String... fields) {
        return HexFormat.of().parseHex(String.join("", fields).replaceAll("[\\s|]", ""));
    }

    static String of(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Bytes {@code from} to {@code to} of a frame in hex, to assert one field at a time. */
    static String field(byte[] frame, int from, int to) {
        return of(Arrays.copyOfRange(frame, from, to));
    }

    /** {@code length} zero bytes in hex: Ethernet padding. */
    static String zeros(int length) {
        return "00".repeat(length);
    }
}
