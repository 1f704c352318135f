package io.herald.speaker.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    final HeartbeatCodec codec = new HeartbeatCodec(KEY);
    final Heartbeat beat = new Heartbeat("node-1", 1_700_000_000_000_000L, 42, false, 41, 1234,
            List.of(Heartbeat.idOf("node-2"), Heartbeat.idOf("node-3")));

    @Test
    void readsBackWhatItWrote() {
        byte[] frame = codec.encode(beat);
        assertEquals(7 + 6 + 8 + 8 + 8 + 4 + 2 + 16 + 2 + 32, frame.length);
        assertEquals(new HeartbeatCodec.Frame(beat), codec.decode(frame, frame.length));
        Heartbeat leaving = new Heartbeat("n", 1, 1, true, 0, 0, List.of());
        byte[] last = codec.encode(leaving);
        assertEquals(new HeartbeatCodec.Frame(leaving), new HeartbeatCodec(KEY).decode(last, last.length));
    }

    @Test
    void carriesTheVipsHeldAgainstTheHashOfBothFamilies() {
        Heartbeat holding = new Heartbeat("node-1", 7, 8, false, 0, 0, List.of(),
                List.of(IpAddress.parse("198.18.0.10"), IpAddress.parse("2001:db8::10"),
                        IpAddress.of(Family.IPV6, new BigInteger("ffff00000001", 16))));
        byte[] frame = codec.encode(holding);
        assertEquals(7 + 6 + 8 + 8 + 8 + 4 + 2 + 2 + (1 + 4) + 2 * (1 + 16) + 32, frame.length);
        assertEquals(new HeartbeatCodec.Frame(holding), codec.decode(frame, frame.length),
                "an IPv6 address stays IPv6, a mapped-looking one included");
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat("n", 1, 1, false, 0, 0, List.of(),
                java.util.Collections.nCopies(Heartbeat.MAX_HOLDS + 1, IpAddress.parse("198.18.0.1"))));
    }

    @Test
    void readsOnlyTheLengthReceived() {
        byte[] frame = codec.encode(beat);
        byte[] buffer = Arrays.copyOf(frame, 65_536);
        assertEquals(new HeartbeatCodec.Frame(beat), codec.decode(buffer, frame.length));
    }

    @Test
    void dropsAFrameSignedWithAnotherKey() {
        byte[] frame = new HeartbeatCodec("another-cluster's-key-000000".getBytes(StandardCharsets.US_ASCII)).encode(beat);
        assertDropped(HeartbeatDrop.BAD_MAC, frame, frame.length);
    }

    @Test
    void dropsAFrameWithAnyByteChanged() {
        byte[] frame = codec.encode(beat);
        for (int i = 0; i < frame.length; i++) {
            byte[] bent = frame.clone();
            bent[i] ^= 0x01;
            assertDropped(HeartbeatDrop.BAD_MAC, bent, bent.length);
        }
    }

    @Test
    void dropsShortAndCutFrames() {
        byte[] frame = codec.encode(beat);
        assertDropped(HeartbeatDrop.MALFORMED, new byte[0], 0);
        assertDropped(HeartbeatDrop.MALFORMED, frame, 20);
        assertDropped(HeartbeatDrop.BAD_MAC, frame, frame.length - 1);
        assertDropped(HeartbeatDrop.MALFORMED, frame, frame.length + 1);
    }

    /** Well signed but wrong inside: a newer version's frame, or a bug on the sending side. */
    @Test
    void dropsSignedFramesThatDoNotAddUp() throws Exception {
        byte[] frame = codec.encode(beat);
        byte[] version = frame.clone();
        version[4] = 3;
        assertDropped(HeartbeatDrop.MALFORMED, resign(version), frame.length);
        byte[] flags = frame.clone();
        flags[5] = 2;
        assertDropped(HeartbeatDrop.MALFORMED, resign(flags), frame.length);
        byte[] magic = frame.clone();
        magic[0] = 'X';
        assertDropped(HeartbeatDrop.MALFORMED, resign(magic), frame.length);
        byte[] count = frame.clone();
        int countAt = 7 + 6 + 8 + 8 + 8 + 4;
        ByteBuffer.wrap(count).putShort(countAt, (short) 3);
        assertDropped(HeartbeatDrop.MALFORMED, resign(count), frame.length);
        byte[] name = frame.clone();
        name[7] = (byte) 0xFF;
        assertDropped(HeartbeatDrop.MALFORMED, resign(name), frame.length);
        byte[] nameLength = frame.clone();
        nameLength[6] = 0;
        assertDropped(HeartbeatDrop.MALFORMED, resign(nameLength), frame.length);
        byte[] longName = frame.clone();
        longName[6] = (byte) 200;
        assertDropped(HeartbeatDrop.MALFORMED, resign(longName), frame.length);
        byte[] v1 = frame.clone();
        v1[4] = 1;
        assertDropped(HeartbeatDrop.MALFORMED, resign(v1), frame.length);

        byte[] holding = codec.encode(new Heartbeat("node-1", 7, 8, false, 0, 0, List.of(),
                List.of(IpAddress.parse("198.18.0.10"))));
        int heldAt = 7 + 6 + 8 + 8 + 8 + 4 + 2;
        byte[] tooMany = holding.clone();
        ByteBuffer.wrap(tooMany).putShort(heldAt, (short) 2);
        assertDropped(HeartbeatDrop.MALFORMED, resign(tooMany), holding.length);
        byte[] oddLength = holding.clone();
        oddLength[heldAt + 2] = 5;
        assertDropped(HeartbeatDrop.MALFORMED, resign(oddLength), holding.length);
        byte[] tooFew = holding.clone();
        ByteBuffer.wrap(tooFew).putShort(heldAt, (short) 0);
        assertDropped(HeartbeatDrop.MALFORMED, resign(tooFew), holding.length);
    }

    @Test
    void refusesAShortKeyNamingTheMinimum() {
        var e = assertThrows(IllegalArgumentException.class, () -> new HeartbeatCodec(new byte[8]));
        assertTrue(e.getMessage().contains("at least 16"), e.getMessage());
    }

    @Test
    void idsAreStableAndDistinct() {
        assertEquals(Heartbeat.idOf("node-1"), Heartbeat.idOf("node-1"));
        assertTrue(Heartbeat.idOf("node-1") != Heartbeat.idOf("node-2"));
        // SHA-256("n1") begins 676b8bb84ce7267d: pinned, so that old and new speakers keep agreeing.
        assertEquals(0x676b8bb84ce7267dL, Heartbeat.idOf("n1"));
    }

    private void assertDropped(HeartbeatDrop reason, byte[] frame, int length) {
        var result = assertInstanceOf(HeartbeatCodec.Dropped.class, codec.decode(frame, length));
        assertEquals(reason, result.reason(), result.detail());
    }

    private static byte[] resign(byte[] frame) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        mac.update(frame, 0, frame.length - 32);
        System.arraycopy(mac.doFinal(), 0, frame, frame.length - 32, 32);
        return frame;
    }
}
