package io.herald.speaker.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.common.ip.IpAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RendezvousHashTest {
    /**
     * Scores computed outside Java from the documented layout, SHA-256(UTF-8(node) || 0x00 ||
     * address bytes), first 8 bytes big-endian; they pin the layout so that a change to it,
     * which would split a rolling upgrade's speakers, fails here.
     */
    static Stream<Arguments> knownScores() {
        return Stream.of(
                Arguments.of("node-a", "198.18.0.1", "87fed0a4ae81f429"),
                Arguments.of("node-b", "198.18.0.1", "93469bef2f4e4300"),
                Arguments.of("node-d", "198.18.0.1", "15fba6b1ebd762bc"),
                Arguments.of("worker-1.example.com", "198.18.255.254", "95092cc78f9637eb"),
                Arguments.of("node-a", "2001:db8::1", "efcfc47203a81453"),
                Arguments.of("nöde", "198.18.0.1", "58f2b152b3b18d7d"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("knownScores")
    void hashesTheDocumentedBytes(String node, String vip, String scoreHex) {
        assertEquals(Long.parseUnsignedLong(scoreHex, 16), new RendezvousHash().score(node, IpAddress.parse(vip)));
    }

    @Test
    void comparesScoresAsUnsignedNumbers() {
        // node-a scores 0x87..., node-d 0x15...: as signed longs node-d would wrongly win.
        assertEquals("node-a", new RendezvousHash().pick(IpAddress.parse("198.18.0.1"), List.of("node-d", "node-a")));
    }

    @Test
    void highestScoreWinsWhateverTheCandidateOrder() {
        IpAddress vip = IpAddress.parse("198.18.0.1");
        RendezvousHash hash = new RendezvousHash();
        assertEquals("node-b", hash.pick(vip, List.of("node-a", "node-b", "node-d")));
        assertEquals("node-b", hash.pick(vip, List.of("node-d", "node-b", "node-a")));
    }

    @Test
    void equalScoresGoToTheNameThatSortsFirst() {
        // A real tie needs a 64-bit collision of SHA-256 prefixes; a constant score stands in for one.
        assertEquals("n1", RendezvousHash.highest(List.of("n3", "n1", "n2"), node -> 42L));
        assertEquals("n1", RendezvousHash.highest(List.of("n2", "n1", "n3"), node -> -1L));
    }
}
