package io.herald.speaker.announce;

import static io.herald.speaker.announce.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.speaker.l2.ArpResponder;
import io.herald.speaker.l2.Decision;
import io.herald.speaker.l2.DropReason;
import io.herald.speaker.l2.GratuitousArp;
import io.herald.speaker.l2.GratuitousBurst;
import io.herald.speaker.l2.MacAddress;
import io.herald.speaker.l2.UnsolicitedNeighborAdvertisement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The announcer's bookkeeping on in-memory interfaces: what opens, what is answered, what is announced when. */
class PcapAnnouncerTest {
    static final IpAddress VIP = ip("198.18.0.100");
    static final IpAddress OTHER_VIP = ip("198.18.0.101");
    static final IpAddress VIP6 = ip("2001:db8::100");
    static final IpAddress CLIENT = ip("198.18.0.1");
    static final IpAddress CLIENT6 = ip("2001:db8::1");
    static final MacAddress CLIENT_MAC = MacAddress.parse("02:00:00:00:00:aa");
    static final Duration WAIT = Duration.ofSeconds(5);

    final CountingListener listener = new CountingListener();
    final FakeChannels links = new FakeChannels();
    final AnnounceGate gate = AnnounceGate.alwaysOpen();
    PcapAnnouncer announcer = announcer(GratuitousBurst::forFamily);

    PcapAnnouncer announcer(Function<Family, GratuitousBurst> schedules) {
        return new PcapAnnouncer(listener, FakeChannels::link, links, schedules, Duration.ofMillis(100), gate);
    }

    @AfterEach
    void close() {
        announcer.close();
    }

    @Test
    void opensAnInterfaceWithItsFirstVipAndClosesItWithItsLast() {
        assertEquals(Set.of(), announcer.openInterfaces());
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(OTHER_VIP, "eth0")));
        assertEquals(Set.of("eth0"), announcer.openInterfaces());
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")));
        assertEquals(1, links.opened("eth0").size(), "the handle stays open while a VIP is left on it");
        announcer.announce(Set.of());
        assertEquals(Set.of(), announcer.openInterfaces());
        assertTrue(links.last("eth0").closed);
    }

    @Test
    void answersOnlyTheVipsAnnouncedOnThatInterface() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(OTHER_VIP, "eth1")));
        FakeChannels.Channel eth0 = links.last("eth0");
        FakeChannels.Channel eth1 = links.last("eth1");
        int burst0 = eth0.sent.size();

        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, OTHER_VIP));
        eth1.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.requests(Family.IPV4, "eth0") == 2 && listener.requests(Family.IPV4, "eth1") == 1,
                listener::toString);
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 1 && listener.drops(DropReason.NOT_OWNED, "eth1") == 1,
                listener::toString);
        assertEquals(1, listener.replies(VIP, "eth0"), listener::toString);
        assertEquals(0, listener.replies("eth1"), listener::toString);
        byte[] reply = eth0.sent.stream().skip(burst0).filter(frame -> frame[21] == 2).findFirst().orElseThrow();
        assertEquals(CLIENT_MAC, MacAddress.of(Arrays.copyOfRange(reply, 0, 6)), "the reply goes back to the asker");
        assertEquals(links.last("eth0").iface.mac(), MacAddress.of(Arrays.copyOfRange(reply, 22, 28)), "with eth0's MAC");
    }

    @Test
    void aVipTakenAwayIsNotAnsweredOnceAnnounceReturns() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(OTHER_VIP, "eth0")));
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")));
        links.last("eth0").arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 1, listener::toString);
        assertEquals(0, listener.replies(VIP, "eth0"), listener::toString);
    }

    static final MacAddress TAKER = MacAddress.parse("02:00:00:00:00:bb");

    /** Issue 14, make before break: a VIP handed over is still answered until its taker claims it on the wire. */
    @Test
    void aVipHandedOverIsAnsweredUntilItsTakerClaimsIt() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(OTHER_VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")), Set.of(new Announcement(VIP, "eth0")));
        // A later decision (anything else changed) does not end the hand-over.
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")), Set.of());
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.replies(VIP, "eth0") == 1, () -> "still answered: " + listener);
        int gratuitous = listener.gratuitous(VIP, "eth0");
        eth0.arrive(io.herald.speaker.l2.GratuitousArp.frame(VIP, TAKER));
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 1, listener::toString);
        assertEquals(1, listener.replies(VIP, "eth0"), "not answered once the taker claimed it: " + listener);
        assertEquals(gratuitous, listener.gratuitous(VIP, "eth0"), "no gratuitous frame for a VIP being handed over");
    }

    @Test
    void aHandOverNobodyClaimsEndsAfterTheLimit() throws InterruptedException {
        announcer.announce(Set.of(new Announcement(VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        announcer.announce(Set.of(), Set.of(new Announcement(VIP, "eth0")));
        announcer.announce(Set.of());
        assertEquals(Set.of("eth0"), announcer.openInterfaces(), "the capture stays open while it hands over");
        assertFalse(announcer.awaitHandOvers(Duration.ofMillis(100)));
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.replies(VIP, "eth0") == 1, listener::toString);
        assertTrue(announcer.awaitHandOvers(Announcer.HAND_OVER_LIMIT.plusMillis(500)));
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 1, listener::toString);
        assertEquals(1, listener.replies(VIP, "eth0"), listener::toString);
    }

    /** The taker claimed it before this node noticed it lost the VIP: nothing to wait for. */
    @Test
    void aVipClaimedAlreadyIsNotHandedOver() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth0"), new Announcement(OTHER_VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        eth0.arrive(io.herald.speaker.l2.GratuitousArp.frame(VIP, TAKER));
        eth0.arrive(UnsolicitedNeighborAdvertisement.frame(VIP6, TAKER));
        Eventually.within(WAIT, () -> listener.drops(DropReason.ADDRESS_CONFLICT, "eth0") == 1, listener::toString);
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")),
                Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth0")));
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255));
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 2, listener::toString);
        assertEquals(0, listener.replies(VIP, "eth0") + listener.replies(VIP6, "eth0"), listener::toString);
    }

    /** IPv6 too: the taker's unsolicited Neighbor Advertisement is its claim. */
    @Test
    void anIpv6VipHandedOverIsAnsweredUntilItsTakerAdvertisesIt() throws InterruptedException {
        announcer.announce(Set.of(new Announcement(VIP6, "eth0"), new Announcement(OTHER_VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        announcer.announce(Set.of(new Announcement(OTHER_VIP, "eth0")), Set.of(new Announcement(VIP6, "eth0")));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255));
        Eventually.within(WAIT, () -> listener.replies(VIP6, "eth0") == 1, () -> "still answered: " + listener);
        // Our own advertisement (looped back by a switch, or a second capture) is no claim.
        eth0.arrive(UnsolicitedNeighborAdvertisement.frame(VIP6, eth0.iface.mac()));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255));
        Eventually.within(WAIT, () -> listener.replies(VIP6, "eth0") == 2, () -> "still answered: " + listener);
        long requests = listener.requests(Family.IPV6, "eth0");
        eth0.arrive(UnsolicitedNeighborAdvertisement.frame(VIP6, TAKER));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255));
        Eventually.within(WAIT, () -> listener.drops(DropReason.NOT_OWNED, "eth0") == 1, listener::toString);
        assertEquals(2, listener.replies(VIP6, "eth0"), "not answered once the taker advertised it: " + listener);
        assertEquals(requests + 1, listener.requests(Family.IPV6, "eth0"), "an advertisement is not counted as a request");
        assertTrue(announcer.awaitHandOvers(Duration.ZERO), "nothing left to hand over");
    }

    /** Issue 14: a speaker that woke from a pause answers nothing until its view is current again. */
    @Test
    void aShutGateAnswersNothingAndSendsNoGratuitous() throws InterruptedException {
        announcer.close();
        announcer = announcer(family -> GratuitousBurst.evenlySpaced(3, Duration.ofMillis(50), Duration.ofMillis(50)));
        gate.shut();
        announcer.announce(Set.of(new Announcement(VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.drops(DropReason.STALE_VIEW, "eth0") == 1, listener::toString);
        Thread.sleep(300);
        assertEquals(0, eth0.sent.size(), "neither a reply nor a gratuitous frame while shut: " + listener);
        gate.openUntil(System.nanoTime() + Duration.ofSeconds(30).toNanos());
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.replies(VIP, "eth0") == 1, listener::toString);
        Eventually.within(WAIT, () -> eth0.sent.size() >= 3, () -> "the refreshes go on once open: " + listener);
    }

    @Test
    void everyRequestIsCountedAndThenAnsweredOrDropped() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        eth0.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        eth0.arrive(TestFrames.truncated(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP), 20));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255));
        eth0.arrive(TestFrames.withBadChecksum(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255)));
        eth0.arrive(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 64));
        eth0.arrive(TestFrames.truncated(TestFrames.neighborSolicitation(CLIENT_MAC, CLIENT6, VIP6, 255), 70));
        Eventually.within(WAIT, () -> listener.replies("eth0") + listener.drops("eth0") == 6, listener::toString);
        assertEquals(2, listener.requests(Family.IPV4, "eth0"), listener::toString);
        assertEquals(4, listener.requests(Family.IPV6, "eth0"), listener::toString);
        assertEquals(1, listener.replies(VIP, "eth0"), listener::toString);
        assertEquals(1, listener.replies(VIP6, "eth0"), listener::toString);
        assertEquals(2, listener.drops(DropReason.TRUNCATED, "eth0"), listener::toString);
        assertEquals(1, listener.drops(DropReason.BAD_CHECKSUM, "eth0"), listener::toString);
        assertEquals(1, listener.drops(DropReason.BAD_HOP_LIMIT, "eth0"), listener::toString);
    }

    @Test
    void sendsTheTakeoverBurstThenRefreshesAndStopsWhenTheVipLeaves() {
        announcer.close();
        announcer = announcer(family -> GratuitousBurst.evenlySpaced(family == Family.IPV4 ? 3 : 2, Duration.ofMillis(50), Duration.ofMillis(200)));
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        MacAddress mac = eth0.iface.mac();
        Eventually.within(WAIT, () -> listener.gratuitous(VIP, "eth0") >= 4 && listener.gratuitous(VIP6, "eth0") >= 3, listener::toString);
        byte[] arp = GratuitousArp.frame(VIP, mac);
        byte[] na = UnsolicitedNeighborAdvertisement.frame(VIP6, mac);
        assertTrue(eth0.sent.stream().anyMatch(frame -> Arrays.equals(frame, arp)), "gratuitous ARP as GratuitousArp builds it");
        assertTrue(eth0.sent.stream().anyMatch(frame -> Arrays.equals(frame, na)), "unsolicited NA as UnsolicitedNeighborAdvertisement builds it");

        announcer.announce(Set.of(new Announcement(VIP6, "eth0")));
        int arpsAfterRemoval = listener.gratuitous(VIP, "eth0");
        long sentAfterRemoval = eth0.sent.stream().filter(frame -> Arrays.equals(frame, arp)).count();
        Eventually.pause(Duration.ofMillis(500)); // more than two refresh periods
        assertEquals(arpsAfterRemoval, listener.gratuitous(VIP, "eth0"), "no gratuitous ARP for a VIP after it left");
        assertEquals(sentAfterRemoval, eth0.sent.stream().filter(frame -> Arrays.equals(frame, arp)).count());
        assertTrue(listener.gratuitous(VIP6, "eth0") >= 4, "the VIP that stayed keeps being refreshed: " + listener);
    }

    @Test
    void announcingTheSameSetAgainDoesNotRestartTheBurst() {
        announcer.close();
        announcer = announcer(family -> GratuitousBurst.evenlySpaced(2, Duration.ofMillis(400), Duration.ofSeconds(60)));
        Set<Announcement> wanted = Set.of(new Announcement(VIP, "eth0"));
        announcer.announce(wanted);
        Eventually.within(WAIT, () -> listener.gratuitous(VIP, "eth0") == 1, listener::toString);
        for (int i = 0; i < 5; i++) {
            announcer.announce(Set.copyOf(wanted));
        }
        Eventually.pause(Duration.ofMillis(100));
        assertEquals(1, listener.gratuitous(VIP, "eth0"), "announce() with the same set sends nothing new");
        Eventually.within(WAIT, () -> listener.gratuitous(VIP, "eth0") == 2, listener::toString);
    }

    @Test
    void ipv6VipsAreListenedForOnTheirOwnInterfaceOnly() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth0"), new Announcement(OTHER_VIP, "eth1")));
        assertEquals(Set.of(VIP6), links.last("eth0").listening);
        assertEquals(Set.of(), links.last("eth1").listening);
        announcer.announce(Set.of(new Announcement(VIP, "eth0")));
        assertEquals(Set.of(), links.last("eth0").listening);
    }

    @Test
    void anInterfaceThatCannotBeOpenedIsReportedRetriedWithBackoffAndLeavesTheOthersAlone() {
        links.failOpening("eth1", "cannot announce on eth1: the interface is down; bring it up (ip link set eth1 up)");
        Set<Announcement> wanted = Set.of(new Announcement(VIP, "eth0"), new Announcement(OTHER_VIP, "eth1"));
        announcer.announce(wanted);
        assertEquals(Set.of("eth0"), announcer.openInterfaces());
        assertEquals(1, listener.failures().size(), listener::toString);
        assertTrue(listener.failures().get(0).contains("ip link set eth1 up"), listener::toString);

        announcer.announce(wanted);
        assertEquals(1, listener.failures().size(), "no new attempt before the first retry delay: " + listener);
        Eventually.pause(Duration.ofMillis(150));
        announcer.announce(wanted);
        assertEquals(2, listener.failures().size(), "retried after 100 ms: " + listener);
        Eventually.pause(Duration.ofMillis(150));
        announcer.announce(wanted);
        assertEquals(2, listener.failures().size(), "the next retry waits twice as long: " + listener);

        links.recover("eth1");
        Eventually.within(WAIT, () -> {
            announcer.announce(wanted);
            return announcer.openInterfaces().equals(Set.of("eth0", "eth1"));
        }, listener::toString);
        Eventually.within(WAIT, () -> listener.gratuitous(OTHER_VIP, "eth1") >= 1, () -> "the burst starts once it is open: " + listener);
        assertEquals(1, links.opened("eth0").size(), "eth0 was never touched");
    }

    @Test
    void anUnknownInterfaceIsReportedWithWhatToFix() {
        announcer.announce(Set.of(new Announcement(VIP, "wlan9")));
        assertEquals(Set.of(), announcer.openInterfaces());
        assertEquals(1, listener.failures().size(), listener::toString);
        assertTrue(listener.failures().get(0).contains("there is no interface wlan9"), listener::toString);
    }

    @Test
    void aCaptureThatBreaksIsReportedAndReopened() {
        Set<Announcement> wanted = Set.of(new Announcement(VIP, "eth0"));
        announcer.announce(wanted);
        FakeChannels.Channel first = links.last("eth0");
        first.breakDown("stopped capturing on eth0: the interface went down");
        Eventually.within(WAIT, () -> listener.failures().size() == 1, listener::toString);
        Eventually.within(WAIT, () -> {
            announcer.announce(wanted);
            return links.opened("eth0").size() == 2;
        }, listener::toString);
        assertTrue(first.closed);
        FakeChannels.Channel second = links.last("eth0");
        second.arrive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP));
        Eventually.within(WAIT, () -> listener.replies(VIP, "eth0") == 1, listener::toString);
        Eventually.within(WAIT, () -> second.sent.stream().anyMatch(frame -> Arrays.equals(frame, GratuitousArp.frame(VIP, second.iface.mac()))),
                () -> "a new burst on the reopened interface: " + listener);
    }

    @Test
    void closeReleasesEverythingAndAnnounceAfterwardsFails() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0"), new Announcement(VIP6, "eth1")));
        announcer.close();
        assertTrue(links.last("eth0").closed);
        assertTrue(links.last("eth1").closed);
        assertEquals(Set.of(), announcer.openInterfaces());
        announcer.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> announcer.announce(Set.of()));
        assertTrue(e.getMessage().contains("closed"));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("herald-capture-eth0")),
                "the capture threads ended");
    }

    @Test
    void repliesAreFramesTheRespondersBuilt() {
        announcer.announce(Set.of(new Announcement(VIP, "eth0")));
        FakeChannels.Channel eth0 = links.last("eth0");
        byte[] request = TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP);
        eth0.arrive(request);
        Eventually.within(WAIT, () -> listener.replies(VIP, "eth0") == 1, listener::toString);
        byte[] expected = ((Decision.Reply) new ArpResponder()
                .handle(request, eth0.iface, VIP::equals)).frame();
        assertArrayEquals(expected, eth0.sent.stream().filter(frame -> frame[21] == 2).findFirst().orElseThrow());
    }
}
