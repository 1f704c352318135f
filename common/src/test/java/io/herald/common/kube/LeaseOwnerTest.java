package io.herald.common.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaseOwnerTest {
    @Test
    void kindSlashName() {
        assertEquals(Optional.of(new LeaseOwner("DaemonSet", "herald-speaker")), LeaseOwner.parse("DaemonSet/herald-speaker"));
        assertEquals(Optional.of(new LeaseOwner("Deployment", "herald-controller")), LeaseOwner.parse("Deployment/herald-controller"));
    }

    @Test
    void blankMeansNoOwner() {
        assertEquals(Optional.empty(), LeaseOwner.parse(""));
        assertEquals(Optional.empty(), LeaseOwner.parse(null));
    }

    @Test
    void aWrongValueNamesTheFlagAndTheForm() {
        String noSlash = assertThrows(IllegalArgumentException.class, () -> LeaseOwner.parse("herald-speaker")).getMessage();
        assertTrue(noSlash.startsWith("--lease-owner herald-speaker: write KIND/NAME"), noSlash);
        String kind = assertThrows(IllegalArgumentException.class, () -> LeaseOwner.parse("StatefulSet/x")).getMessage();
        assertTrue(kind.contains("must be Deployment or DaemonSet"), kind);
        String name = assertThrows(IllegalArgumentException.class, () -> LeaseOwner.parse("Deployment/")).getMessage();
        assertTrue(name.contains("name the Deployment"), name);
    }
}
