package io.herald.e2e.lab;

import io.herald.speaker.announce.Libpcap;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

/**
 * The {@link ArpReferee}'s process, run in the client's namespace: broadcasts an ARP
 * request for the VIP every interval from the client's MAC and address, and prints each
 * request sent and each reply captured, with microseconds of wall-clock time:
 * {@code request MICROS} and {@code reply MICROS MAC}. One process, one clock, so every
 * reply is read against the request before it. Arguments: interface, client MAC,
 * client IPv4, VIP, interval in microseconds, count.
 */
public final class ArpAsker {
    private ArpAsker() {
    }

    public static void main(String[] args) throws Exception {
        String iface = args[0];
        byte[] mac = HexFormat.ofDelimiter(":").parseHex(args[1]);
        byte[] ip = InetAddress.getByName(args[2]).getAddress();
        byte[] vip = InetAddress.getByName(args[3]).getAddress();
        long intervalMicros = Long.parseLong(args[4]);
        long count = Long.parseLong(args[5]);
        Libpcap.version();
        PcapHandle handle = new PcapHandle.Builder(iface).snaplen(128).promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                .timeoutMillis(10).immediateMode(true).build();
        handle.setFilter("arp and ether dst " + args[1] + " and arp[6:2] = 2", BpfCompileMode.OPTIMIZE);
        byte[] request = request(mac, ip, vip);
        Thread reader = new Thread(() -> read(handle, vip), "arp-replies");
        reader.setDaemon(true);
        reader.start();
        System.out.println("started " + micros());
        long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
            long due = start + i * intervalMicros * 1000;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            synchronized (System.out) {
                System.out.println("request " + micros());
            }
            handle.sendPacket(request);
        }
        Thread.sleep(300);
        System.out.println("done " + micros());
        System.out.flush();
        System.exit(0);
    }

    private static void read(PcapHandle handle, byte[] vip) {
        while (true) {
            try {
                byte[] frame = handle.getNextRawPacket();
                if (frame == null || frame.length < 42) {
                    continue;
                }
                ByteBuffer in = ByteBuffer.wrap(frame);
                byte[] sender = new byte[4];
                in.position(28);
                in.get(sender);
                if (!java.util.Arrays.equals(sender, vip)) {
                    continue;
                }
                String from = HexFormat.ofDelimiter(":").formatHex(frame, 22, 28);
                synchronized (System.out) {
                    System.out.println("reply " + micros() + " " + from);
                }
            } catch (Exception e) {
                System.out.println("read failed: " + e);
                return;
            }
        }
    }

    /** A broadcast ARP request, who-has {@code vip} tell {@code ip}. */
    static byte[] request(byte[] mac, byte[] ip, byte[] vip) {
        ByteBuffer out = ByteBuffer.allocate(42);
        out.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(mac).putShort((short) 0x0806);
        out.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        out.put(mac).put(ip).put(new byte[6]).put(vip);
        return out.array();
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
