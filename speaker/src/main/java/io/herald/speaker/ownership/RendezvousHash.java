package io.herald.speaker.ownership;

import io.herald.common.ip.IpAddress;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Highest-random-weight (rendezvous) choice of one node per VIP. Every speaker must pick
 * the same node from the same candidates, whatever its JVM, platform or version, so the
 * bytes hashed are fixed here and in docs/architecture.md:
 *
 * <pre>
 *   score(node, vip) = first 8 bytes, as an unsigned big-endian integer, of
 *                      SHA-256( UTF-8(node name) || 0x00 || vip address bytes )
 * </pre>
 *
 * where the address bytes are the 4 (IPv4) or 16 (IPv6) bytes in network order. Node
 * names are DNS subdomains, so the 0x00 cannot occur in one and the split is unambiguous.
 * The highest score wins; equal scores, which need a 64-bit collision, go to the node
 * whose name sorts first. Changing any of this makes speakers of two versions disagree
 * during a rolling upgrade.
 *
 * <p>Not thread-safe (one digest, reused): make one per computation.
 */
final class RendezvousHash {
    private final MessageDigest sha256;
    /** Each node's name in UTF-8, encoded once per computation rather than once per score. */
    private final Map<String, byte[]> names = new HashMap<>();
    private final byte[] digest = new byte[32];

    RendezvousHash() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** The node's weight for this VIP; compare with {@link Long#compareUnsigned}. */
    long score(String node, IpAddress vip) {
        return score(node, vip.bytes());
    }

    /** The same, for an address already in bytes (4 or 16). */
    long score(String node, byte[] address) {
        sha256.update(names.computeIfAbsent(node, n -> n.getBytes(StandardCharsets.UTF_8)));
        sha256.update((byte) 0);
        sha256.update(address);
        try {
            sha256.digest(digest, 0, digest.length); // resets the digest for the next score
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 gives 32 bytes", e);
        }
        long score = 0;
        for (int i = 0; i < 8; i++) {
            score = (score << 8) | (digest[i] & 0xff); // big-endian, as documented
        }
        return score;
    }

    /** The winning node among the candidates, which must not be empty. */
    String pick(IpAddress vip, Collection<String> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidate for " + vip);
        }
        byte[] address = vip.bytes(); // once per VIP, not once per candidate
        return highest(candidates, node -> score(node, address));
    }

    /** The candidate with the highest unsigned score; on equal scores the name that sorts first. */
    static String highest(Collection<String> candidates, ToLongFunction<String> score) {
        String best = null;
        long bestScore = 0;
        for (String node : candidates) {
            long nodeScore = score.applyAsLong(node);
            int order = best == null ? 1 : Long.compareUnsigned(nodeScore, bestScore);
            if (order > 0 || (order == 0 && node.compareTo(best) < 0)) {
                best = node;
                bestScore = nodeScore;
            }
        }
        return best;
    }
}
