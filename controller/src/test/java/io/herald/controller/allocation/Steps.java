package io.herald.controller.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.common.config.Config;
import io.herald.common.ip.IpAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * An ordered list of steps against one allocator, in the manner of MetalLB's
 * allocator_test.go TestAssignment: each step says what should happen, in order, so a
 * table reads as a story.
 */
final class Steps {
    private final List<Step> steps;

    private Steps(List<Step> steps) {
        this.steps = steps;
    }

    static Steps of(Step... steps) {
        return new Steps(List.of(steps));
    }

    /** One dynamic test per step, all against one allocator made from {@code config}. */
    Stream<DynamicTest> run(Config config) {
        Allocator allocator = new Allocator(config);
        return steps.stream().map(step -> DynamicTest.dynamicTest(step.says(), () -> step.act().accept(allocator)));
    }

    record Step(String says, Consumer<Allocator> act) {
    }

    /** assign gives exactly these addresses, in this order. */
    static Step gets(String says, AllocationRequest request, String... ips) {
        return new Step(says, a -> assigned(a.assign(request), request, ips, null));
    }

    /** assign gives these addresses and says they are not new. */
    static Step keeps(String says, AllocationRequest request, String... ips) {
        return new Step(says, a -> assigned(a.assign(request), request, ips, false));
    }

    /** assign gives these addresses and says they changed. */
    static Step moves(String says, AllocationRequest request, String... ips) {
        return new Step(says, a -> assigned(a.assign(request), request, ips, true));
    }

    static Step fails(String says, AllocationRequest request, FailureReason reason) {
        return new Step(says, a -> failed(a.assign(request), reason, null));
    }

    static Step fails(String says, AllocationRequest request, FailureReason reason, String message) {
        return new Step(says, a -> failed(a.assign(request), reason, message));
    }

    static Step claims(String says, AllocationRequest request, List<String> status, String... ips) {
        return new Step(says, a -> assigned(a.claim(request, parse(status)), request, ips, null));
    }

    static Step claimFails(String says, AllocationRequest request, List<String> status, FailureReason reason) {
        return new Step(says, a -> failed(a.claim(request, parse(status)), reason, null));
    }

    static Step releases(String says, ServiceKey service) {
        return new Step(says, a -> {
            if (a.release(service).isEmpty()) {
                fail(service + " held nothing to release");
            }
        });
    }

    static Step holds(String says, ServiceKey service, String... ips) {
        return new Step(says, a -> assertEquals(parse(List.of(ips)),
                a.allocationOf(service).map(Allocation::ips).orElse(List.of()), service + " holds"));
    }

    static Step checks(String says, Consumer<Allocator> check) {
        return new Step(says, check);
    }

    static Step does(String says, Function<Allocator, ?> action) {
        return new Step(says, action::apply);
    }

    private static void assigned(AllocationResult result, AllocationRequest request, String[] ips, Boolean changed) {
        if (result instanceof Failed f) {
            fail("expected " + Arrays.toString(ips) + ", got " + f.reason() + ": " + f.message());
        }
        Assigned assigned = assertInstanceOf(Assigned.class, result);
        assertEquals(parse(List.of(ips)), assigned.allocation().ips(), "addresses");
        assertEquals(request.service(), assigned.allocation().service());
        if (changed != null) {
            assertEquals(changed, assigned.changed(), "changed");
        }
    }

    private static void failed(AllocationResult result, FailureReason reason, String message) {
        if (result instanceof Assigned a) {
            fail("expected " + reason + ", got " + a.allocation());
        }
        Failed failed = assertInstanceOf(Failed.class, result);
        assertEquals(reason, failed.reason(), failed.message());
        if (message != null) {
            assertEquals(message, failed.message());
        }
    }

    private static List<IpAddress> parse(List<String> ips) {
        return ips.stream().map(IpAddress::parse).toList();
    }
}
