package io.herald.speaker.peers;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Heartbeat frames on the wire: bytes to a {@link Heartbeat} or a drop reason, and back.
 * No state beyond the key; whether a well-formed, well-signed heartbeat is believed
 * (known node, fresh sequence) is {@link PeerLiveness}'s call.
 *
 * <pre>
 * offset  size  field
 *  0       4    magic "HRLD"
 *  4       1    version, 2
 *  5       1    flags: bit 0 = leaving; other bits 0
 *  6       1    n = length of the node name in UTF-8 bytes (1..253)
 *  7       n    node name
 *  ..      8    incarnation        (all integers unsigned, big-endian)
 *  ..      8    sequence
 *  ..      8    echo sequence
 *  ..      4    echo delay, microseconds
 *  ..      2    k = number of peers heard
 *  ..     8k    ids of the peers heard
 *  ..      2    h = number of VIPs held against the hash
 *  ..      h×   1 byte address length (4 or 16), then the address in network order
 *  ..     32    HMAC-SHA256, under the cluster's key, of every byte before it
 * </pre>
 *
 * <p>Version 1 (no held VIPs) never shipped in a release; its frames are dropped as malformed.
 *
 * A {@code Mac} is not thread-safe: one codec per thread.
 */
public final class HeartbeatCodec {
    /** The shortest key accepted: 128 bits. The chart generates 32 random characters. */
    public static final int MIN_KEY_BYTES = 16;
    static final byte[] MAGIC = {'H', 'R', 'L', 'D'};
    static final int VERSION = 2;
    static final int MAC_BYTES = 32;
    private static final int FIXED_BYTES = 4 + 1 + 1 + 1 + 8 + 8 + 8 + 4 + 2 + 2 + MAC_BYTES;

    /** What a received datagram turned out to be. */
    public sealed interface Result permits Frame, Dropped {
    }

    /** A well-formed heartbeat signed with our key. */
    public record Frame(Heartbeat heartbeat) implements Result {
        public Frame {
            Objects.requireNonNull(heartbeat, "heartbeat");
        }
    }

    /** Not believed; {@code reason} is counted, {@code detail} is for a debug log. */
    public record Dropped(HeartbeatDrop reason, String detail) implements Result {
        public Dropped {
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final Mac mac;

    /** @throws IllegalArgumentException when the key is shorter than {@link #MIN_KEY_BYTES} */
    public HeartbeatCodec(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the heartbeat key has " + key.length + " bytes; it needs at least "
                    + MIN_KEY_BYTES + " (the chart's Secret has 32 random characters)");
        }
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }

    /** The frame for {@code heartbeat}, signed. */
    public byte[] encode(Heartbeat heartbeat) {
        byte[] name = heartbeat.node().getBytes(StandardCharsets.UTF_8);
        List<Long> hears = heartbeat.hears();
        List<IpAddress> holds = heartbeat.holds();
        int holdBytes = 0;
        for (IpAddress vip : holds) {
            holdBytes += 1 + vip.bytes().length;
        }
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + name.length + 8 * hears.size() + holdBytes);
        out.put(MAGIC).put((byte) VERSION).put((byte) (heartbeat.leaving() ? 1 : 0));
        out.put((byte) name.length).put(name);
        out.putLong(heartbeat.incarnation()).putLong(heartbeat.sequence()).putLong(heartbeat.echoSequence());
        out.putInt((int) heartbeat.echoDelayMicros());
        out.putShort((short) hears.size());
        hears.forEach(out::putLong);
        out.putShort((short) holds.size());
        for (IpAddress vip : holds) {
            byte[] address = vip.bytes();
            out.put((byte) address.length).put(address);
        }
        mac.update(out.array(), 0, out.position());
        out.put(mac.doFinal());
        return out.array();
    }

    /** Reads the first {@code length} bytes of {@code datagram}; never throws on bad input. */
    public Result decode(byte[] datagram, int length) {
        if (length < FIXED_BYTES + 1 || length > datagram.length) {
            return new Dropped(HeartbeatDrop.MALFORMED, length + " bytes, fewer than any heartbeat");
        }
        int signed = length - MAC_BYTES;
        mac.update(datagram, 0, signed);
        byte[] expected = mac.doFinal();
        byte[] got = new byte[MAC_BYTES];
        System.arraycopy(datagram, signed, got, 0, MAC_BYTES);
        // Checked before any field is read: an unsigned frame tells us nothing, its layout included.
        if (!MessageDigest.isEqual(expected, got)) {
            return new Dropped(HeartbeatDrop.BAD_MAC, "HMAC does not match our key");
        }
        ByteBuffer in = ByteBuffer.wrap(datagram, 0, signed);
        try {
            byte[] magic = new byte[4];
            in.get(magic);
            if (!MessageDigest.isEqual(magic, MAGIC)) {
                return new Dropped(HeartbeatDrop.MALFORMED, "not a Herald heartbeat");
            }
            int version = in.get() & 0xFF;
            if (version != VERSION) {
                return new Dropped(HeartbeatDrop.MALFORMED, "version " + version + ", this speaker reads " + VERSION);
            }
            int flags = in.get() & 0xFF;
            if ((flags & ~1) != 0) {
                return new Dropped(HeartbeatDrop.MALFORMED, "unknown flags " + flags);
            }
            int nameLength = in.get() & 0xFF;
            if (nameLength == 0 || nameLength > Heartbeat.MAX_NAME_BYTES) {
                return new Dropped(HeartbeatDrop.MALFORMED, "node name of " + nameLength + " bytes");
            }
            byte[] name = new byte[nameLength];
            in.get(name);
            String node = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
            long incarnation = in.getLong();
            long sequence = in.getLong();
            long echoSequence = in.getLong();
            long echoDelay = in.getInt() & 0xFFFF_FFFFL;
            int count = in.getShort() & 0xFFFF;
            if (in.remaining() < 8L * count + 2) {
                return new Dropped(HeartbeatDrop.MALFORMED, count + " peers announced, " + in.remaining() + " bytes left");
            }
            if (count > Heartbeat.MAX_HEARS) {
                return new Dropped(HeartbeatDrop.MALFORMED, count + " peers, more than " + Heartbeat.MAX_HEARS);
            }
            List<Long> hears = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                hears.add(in.getLong());
            }
            int held = in.getShort() & 0xFFFF;
            if (held > Heartbeat.MAX_HOLDS) {
                return new Dropped(HeartbeatDrop.MALFORMED, held + " held VIPs, more than " + Heartbeat.MAX_HOLDS);
            }
            List<IpAddress> holds = new ArrayList<>(held);
            for (int i = 0; i < held; i++) {
                int addressLength = in.get() & 0xFF;
                if (addressLength != 4 && addressLength != 16) {
                    return new Dropped(HeartbeatDrop.MALFORMED, "a held VIP of " + addressLength + " bytes");
                }
                byte[] address = new byte[addressLength];
                in.get(address);
                holds.add(IpAddress.of(addressLength == 4 ? Family.IPV4 : Family.IPV6, new BigInteger(1, address)));
            }
            if (in.hasRemaining()) {
                return new Dropped(HeartbeatDrop.MALFORMED, in.remaining() + " bytes after the last field");
            }
            return new Frame(new Heartbeat(node, incarnation, sequence, (flags & 1) != 0, echoSequence, echoDelay, hears,
                    holds));
        } catch (BufferUnderflowException e) {
            return new Dropped(HeartbeatDrop.MALFORMED, "ends inside a field");
        } catch (CharacterCodingException e) {
            return new Dropped(HeartbeatDrop.MALFORMED, "node name is not UTF-8");
        }
    }
}
