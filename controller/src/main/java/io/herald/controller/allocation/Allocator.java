package io.herald.controller.allocation;

import io.herald.common.Annotations;
import io.herald.common.config.AddressPool;
import io.herald.common.config.Config;
import io.herald.common.ip.Family;
import io.herald.common.ip.IpAddress;
import io.herald.common.ip.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Decides which addresses each Service holds. Plain values in, decisions out: no
 * Kubernetes types, no I/O, so every rule is table- and property-tested.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Where from.</b> A request for addresses ({@code requestedIps}) takes them from
 *       the pool that holds them (which must be {@code requestedPool} if that is named too);
 *       a named pool is used alone; otherwise the auto-assign pools are tried in config order.
 *       A pool with {@code auto-assign: false} serves only Services that name it or request
 *       one of its addresses. A pool's {@code namespaces} apply in all three cases.</li>
 *   <li><b>Which address.</b> The lowest address that is free, or that this Service may
 *       share, as MetalLB does: a Service with a sharing key joins the lowest compatible
 *       shared address in the pool when it lies below the lowest free one, so Services with
 *       one key pack onto few addresses. Under {@code avoid-buggy-ips} IPv4 .0 and .255
 *       are never handed out, not even on request.</li>
 *   <li><b>Sharing.</b> An address is held by one Service, or by several with the same
 *       {@link SharingKey}, equal {@link TrafficPolicy} and no (protocol, port) in common.
 *       As in MetalLB, the key alone decides: Services of different namespaces may share
 *       when both carry it.</li>
 *   <li><b>Families.</b> See {@link AllocationRequest#addressFamilies()}. SingleStack gets
 *       one address of its family, skipping pools without it. PreferDualStack gets both
 *       families from the first pool that can give both, else its first family alone.
 *       RequireDualStack gets both from one pool, or fails. A Service's addresses always
 *       come from one pool. Requested addresses pin their families; a needed family that
 *       was not requested is taken from the same pool (so {@code spec.loadBalancerIP} on a
 *       dual-stack Service gets the other family next to it).</li>
 *   <li><b>Stability.</b> {@link #assign} keeps what a Service holds while that still
 *       answers the request, so config changes and restarts never move an address
 *       needlessly; {@link #claim} takes back what Service status says at start.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * Each pool family keeps its free addresses as intervals ({@link FreeAddresses}), so the
 * lowest free address costs a logarithm of the number of holes, never a scan of the pool
 * or of the allocations; an IPv6 /64 is never enumerated. Shared addresses are indexed by
 * key; joining one looks only at the key's addresses below the lowest free one.
 *
 * <p>Thread-safe: every public method holds the allocator's lock, so the reconciler's
 * workers and the metrics endpoint may call it at once.
 */
public final class Allocator {
    private Config config;
    /** In config order, which is the order auto-assign tries them. */
    private final LinkedHashMap<String, PoolState> pools = new LinkedHashMap<>();
    /** Every range of every pool by its first address: which pool holds an address, in one lookup. */
    private final TreeMap<IpAddress, PoolRange> ranges = new TreeMap<>();
    /** Looked up only, never iterated into a result, so hash order cannot leak. */
    private final Map<IpAddress, Use> uses = new HashMap<>();
    private final TreeMap<ServiceKey, Holding> holdings = new TreeMap<>();
    private final Map<SharingKey, TreeSet<IpAddress>> sharedUnder = new HashMap<>();

    public Allocator(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        buildPools();
    }

    /** The config in force. */
    public synchronized Config config() {
        return config;
    }

    /**
     * Gives the Service addresses for the request.
     *
     * <p>If the Service already holds addresses that still answer the request (the
     * requested addresses and pool, its families, its namespace allowed by the pool, the
     * addresses still assignable there, sharing still compatible with the other holders
     * given its ports, key and traffic policy), it keeps them and the result says
     * {@code changed=false}. One thing is added in place: a PreferDualStack Service holding
     * only its first family gets the second one once its pool can give it. Flipping a pool's
     * auto-assign never moves an auto-assigned address; only a Service that stops naming a
     * pool or address must then be in an auto-assign pool to keep its address.
     *
     * <p>Otherwise the old addresses are released first and new ones chosen. If that fails
     * the Service is left with none: the request changed, the user asked for something
     * else, and the Service must not keep serving on an address it no longer wants (nor
     * block that address for others) while the failure is shown on it.
     */
    public synchronized AllocationResult assign(AllocationRequest request) {
        ServiceKey service = request.service();
        Holding old = holdings.get(service);
        if (old != null) {
            Optional<Allocation> kept = keep(old, request);
            if (kept.isPresent() && kept.get().equals(old.allocation()) && request.equals(old.request())) {
                return new Assigned(old.allocation(), false); // a resync of an unchanged Service: nothing to redo
            }
            unhold(service);
            if (kept.isPresent()) {
                hold(request, kept.get());
                return new Assigned(kept.get(), !kept.get().ips().equals(old.allocation().ips()));
            }
        }
        AllocationResult planned = plan(request);
        if (planned instanceof Assigned assigned) {
            hold(request, assigned.allocation());
            boolean changed = old == null || !old.allocation().ips().equals(assigned.allocation().ips());
            return new Assigned(assigned.allocation(), changed);
        }
        return planned;
    }

    /**
     * At controller start, takes back the addresses a Service's status already shows, before
     * anything new is handed out, so a restart or a new leader never moves an address. It
     * succeeds only if the addresses answer the request: one pool that allows the Service's
     * namespace and may assign them, families that fit its policy (PreferDualStack may hold
     * its first family alone), the requested addresses among them, and sharing compatible
     * with whoever claimed them first. Auto-assign is not checked: it governs handing out,
     * and the address was handed out before.
     *
     * <p>On failure nothing changes; the reconciler then calls {@link #assign}. Claim
     * Services in a stable order (e.g. by creation time), so that if two show one address
     * that they may not share, the same one keeps it every time.
     *
     * @param ips the addresses in the Service's status, in any order; not empty
     */
    public synchronized AllocationResult claim(AllocationRequest request, List<IpAddress> ips) {
        if (ips.isEmpty()) {
            throw new IllegalArgumentException(request.service() + " has no addresses to claim");
        }
        Checked checked = checkHeld(request, ips, "claimed");
        if (checked.failure() != null) {
            return checked.failure();
        }
        Holding old = holdings.get(request.service());
        if (old != null) {
            unhold(request.service());
        }
        Allocation allocation = new Allocation(request.service(), checked.pool().name(), checked.ips());
        hold(request, allocation);
        return new Assigned(allocation, old == null || !old.allocation().ips().equals(allocation.ips()));
    }

    /**
     * Frees what the Service holds (a shared address stays held by the others).
     *
     * @return what it held, so the caller can log it and requeue waiting Services
     */
    public synchronized Optional<Allocation> release(ServiceKey service) {
        Holding old = holdings.get(service);
        if (old == null) {
            return Optional.empty();
        }
        unhold(service);
        return Optional.of(old.allocation());
    }

    public synchronized Optional<Allocation> allocationOf(ServiceKey service) {
        return Optional.ofNullable(holdings.get(service)).map(Holding::allocation);
    }

    /** Every allocation, sorted by Service. */
    public synchronized List<Allocation> allocations() {
        return holdings.values().stream().map(Holding::allocation).toList();
    }

    /**
     * The Services that {@code next} would leave holding an address it does not allow them:
     * an address outside every pool, an IPv4 .0/.255 of a pool that now avoids them, a pool
     * whose {@code namespaces} no longer include the Service's, or a dual-stack pair now in
     * two pools. Sorted. A config that strands anyone should be rejected, naming them: their
     * users' DNS points at those addresses.
     */
    public synchronized List<ServiceKey> strandedBy(Config next) {
        List<ServiceKey> stranded = new ArrayList<>();
        for (Holding holding : holdings.values()) {
            if (!fits(holding.allocation(), next)) {
                stranded.add(holding.allocation().service());
            }
        }
        return stranded;
    }

    /**
     * Puts {@code next} in force, keeping every allocation (check {@link #strandedBy} first).
     * An allocation whose address moved to a pool of another name takes that name. One
     * stranded anyway stays held, so its addresses go to nobody else, and is counted in no
     * pool; its Service's next {@link #assign} replaces it.
     */
    public synchronized void reconfigure(Config next) {
        config = Objects.requireNonNull(next, "next");
        buildPools();
        for (Use use : uses.values()) {
            use.pool = poolOf(use.ip).filter(pool -> pool.pool.mayAssign(use.ip)).orElse(null);
            if (use.pool != null) {
                use.pool.take(use.ip);
            }
        }
        for (Map.Entry<ServiceKey, Holding> entry : holdings.entrySet()) {
            Allocation allocation = entry.getValue().allocation();
            PoolState now = uses.get(allocation.ips().get(0)).pool;
            if (now != null && !now.name().equals(allocation.pool())) {
                entry.setValue(new Holding(new Allocation(allocation.service(), now.name(), allocation.ips()),
                        entry.getValue().request()));
            }
        }
    }

    /** Size and use of every family of every pool, in config order, IPv4 before IPv6. */
    public synchronized List<PoolUsage> usage() {
        List<PoolUsage> usage = new ArrayList<>();
        for (PoolState state : pools.values()) {
            for (Family family : Family.values()) {
                if (state.pool.hasFamily(family)) {
                    usage.add(new PoolUsage(state.name(), family, state.pool.size(family), state.inUse(family)));
                }
            }
        }
        return usage;
    }

    // ---- keeping what is held -------------------------------------------------------------

    private Optional<Allocation> keep(Holding old, AllocationRequest request) {
        Checked checked = checkHeld(request, old.allocation().ips(), "held");
        if (checked.failure() != null) {
            return Optional.empty();
        }
        PoolState pool = checked.pool();
        if (!request.pinned() && old.request().pinned() && !pool.pool.autoAssign()) {
            return Optional.empty();
        }
        List<IpAddress> ips = checked.ips();
        List<Family> wanted = request.addressFamilies();
        if (ips.size() < wanted.size() && pool.pool.hasFamily(wanted.get(1))) {
            Optional<IpAddress> second = pick(pool, wanted.get(1), request);
            if (second.isPresent()) {
                ips = List.of(ips.get(0), second.get());
            }
        }
        return Optional.of(new Allocation(request.service(), pool.name(), ips));
    }

    /** Whether addresses already held (or shown in status) answer the request. */
    private Checked checkHeld(AllocationRequest request, List<IpAddress> ips, String what) {
        Checked checked = checkAddresses(request, ips, what);
        if (checked.failure() != null) {
            return checked;
        }
        List<Family> wanted = request.addressFamilies();
        for (int i = 0; i < request.requiredFamilyCount(); i++) {
            Family family = wanted.get(i);
            if (checked.ips().stream().noneMatch(ip -> ip.family() == family)) {
                return Checked.failed(FailureReason.FAMILY_MISMATCH, request.service() + " needs an " + family
                        + " address (" + request.familyPolicy() + ", ipFamilies " + wanted + ") but "
                        + what + " only " + join(checked.ips()));
            }
        }
        for (IpAddress requested : request.requestedIps()) {
            if (!checked.ips().contains(requested)) {
                return Checked.failed(FailureReason.OTHER_IP_REQUESTED,
                        requested + " is requested, but " + request.service() + " " + what + " " + join(checked.ips()));
            }
        }
        return checked;
    }

    // ---- choosing anew --------------------------------------------------------------------

    private AllocationResult plan(AllocationRequest request) {
        PoolState named = null;
        if (request.requestedPool().isPresent()) {
            String name = request.requestedPool().get();
            named = pools.get(name);
            if (named == null) {
                return new Failed(FailureReason.NO_POOL_NAMED, "no address pool named " + quote(name)
                        + (pools.isEmpty() ? "; no pools are configured"
                                : " (pools: " + pools.keySet().stream().map(Allocator::quote).collect(Collectors.joining(", ")) + ")"));
            }
        }
        if (!request.requestedIps().isEmpty()) {
            return fromRequestedIps(request);
        }
        if (named != null) {
            if (!named.pool.allowsNamespace(request.service().namespace())) {
                return namespaceRefused(named, request);
            }
            return fromPool(named, request);
        }
        return fromAutoAssignPools(request);
    }

    private AllocationResult fromRequestedIps(AllocationRequest request) {
        Checked checked = checkAddresses(request, request.requestedIps(), "requested");
        if (checked.failure() != null) {
            return checked.failure();
        }
        PoolState pool = checked.pool();
        Map<Family, IpAddress> chosen = new EnumMap<>(Family.class);
        checked.ips().forEach(ip -> chosen.put(ip.family(), ip));
        List<Family> wanted = request.addressFamilies();
        for (int i = 0; i < wanted.size(); i++) {
            Family family = wanted.get(i);
            boolean required = i < request.requiredFamilyCount();
            if (chosen.containsKey(family)) {
                continue;
            }
            if (!pool.pool.hasFamily(family)) {
                if (required) {
                    return familyGap(pool, request);
                }
                continue;
            }
            Optional<IpAddress> ip = pick(pool, family, request);
            if (ip.isEmpty()) {
                if (required) {
                    return exhausted(pool, family, request);
                }
                continue;
            }
            chosen.put(family, ip.get());
        }
        return assigned(request, pool, inFamilyOrder(chosen.values(), wanted));
    }

    private AllocationResult fromAutoAssignPools(AllocationRequest request) {
        if (pools.isEmpty()) {
            return new Failed(FailureReason.NO_POOLS, "no address pools are configured; add one to the Herald config");
        }
        List<PoolState> auto = pools.values().stream().filter(p -> p.pool.autoAssign()).toList();
        if (auto.isEmpty()) {
            return new Failed(FailureReason.NO_AUTO_ASSIGN_POOL, "every address pool has auto-assign: false; name one with "
                    + Annotations.ADDRESS_POOL + " or request one of its addresses with " + Annotations.LOAD_BALANCER_IPS);
        }
        String namespace = request.service().namespace();
        List<PoolState> allowed = auto.stream().filter(p -> p.pool.allowsNamespace(namespace)).toList();
        if (allowed.isEmpty()) {
            List<PoolState> manual = pools.values().stream()
                    .filter(p -> !p.pool.autoAssign() && p.pool.allowsNamespace(namespace)).toList();
            return new Failed(FailureReason.NAMESPACE_NOT_ALLOWED, manual.isEmpty()
                    ? "no address pool allows namespace " + namespace
                    : "no auto-assign address pool allows namespace " + namespace + "; " + poolNames(manual)
                            + " (auto-assign: false) " + (manual.size() == 1 ? "does" : "do")
                            + ", name one with " + Annotations.ADDRESS_POOL);
        }
        List<Family> wanted = request.addressFamilies();
        List<Family> required = wanted.subList(0, request.requiredFamilyCount());
        List<PoolState> suitable = allowed.stream().filter(p -> required.stream().allMatch(p.pool::hasFamily)).toList();
        if (suitable.isEmpty()) {
            if (allowed.size() == 1) {
                return familyGap(allowed.get(0), request);
            }
            String which = allowed.size() == pools.size() ? "no address pool"
                    : "no auto-assign address pool" + (allowed.size() < auto.size() ? " that allows namespace " + namespace : "");
            return new Failed(FailureReason.NO_POOL_FOR_FAMILY, request.familyPolicy() == FamilyPolicy.REQUIRE_DUAL_STACK
                    ? "RequireDualStack needs a pool with both IPv4 and IPv6; " + which + " has both ("
                            + allowed.stream().map(p -> "pool " + quote(p.name()) + " has " + familiesOf(p.pool))
                                    .collect(Collectors.joining(", ")) + ")"
                    : which + " has " + wanted.get(0) + " addresses (" + poolNames(allowed) + " "
                            + (allowed.size() == 1 ? "has" : "have") + " only " + otherFamily(wanted.get(0)) + ")");
        }
        if (request.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK && wanted.size() == 2) {
            for (PoolState pool : suitable) {
                if (pool.pool.hasFamily(wanted.get(1))) {
                    Optional<IpAddress> first = pick(pool, wanted.get(0), request);
                    Optional<IpAddress> second = pick(pool, wanted.get(1), request);
                    if (first.isPresent() && second.isPresent()) {
                        return assigned(request, pool, List.of(first.get(), second.get()));
                    }
                }
            }
        }
        List<Failed> failures = new ArrayList<>();
        for (PoolState pool : suitable) {
            AllocationResult result = fromPool(pool, request);
            if (result instanceof Assigned) {
                return result;
            }
            failures.add((Failed) result);
        }
        if (failures.size() == 1) {
            return failures.get(0);
        }
        return new Failed(FailureReason.POOL_EXHAUSTED, "no address pool has a free address for " + request.service()
                + ": " + failures.stream().map(Failed::message).collect(Collectors.joining("; ")));
    }

    /** One pool, which allows the Service's namespace: its lowest usable address of each family. */
    private AllocationResult fromPool(PoolState pool, AllocationRequest request) {
        List<Family> wanted = request.addressFamilies();
        for (int i = 0; i < request.requiredFamilyCount(); i++) {
            if (!pool.pool.hasFamily(wanted.get(i))) {
                return familyGap(pool, request);
            }
        }
        List<IpAddress> ips = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            Family family = wanted.get(i);
            if (!pool.pool.hasFamily(family)) {
                continue;
            }
            Optional<IpAddress> ip = pick(pool, family, request);
            if (ip.isPresent()) {
                ips.add(ip.get());
            } else if (i < request.requiredFamilyCount()) {
                return exhausted(pool, family, request);
            }
        }
        return assigned(request, pool, ips);
    }

    /**
     * The lowest address of the family in the pool that is free or that the request may
     * share. Shared candidates come from the key's index, only those below the lowest free
     * address, so this stays cheap however full the pool is.
     */
    private Optional<IpAddress> pick(PoolState pool, Family family, AllocationRequest request) {
        FreeAddresses free = pool.free.get(family);
        Optional<IpAddress> lowestFree = free.lowest().map(value -> IpAddress.of(family, value));
        if (request.sharing().isPresent()) {
            TreeSet<IpAddress> shared = sharedUnder.get(request.sharing().get());
            if (shared != null) {
                IpAddress start = IpAddress.of(family, BigInteger.ZERO);
                NavigableSet<IpAddress> below = lowestFree.isPresent()
                        ? shared.subSet(start, true, lowestFree.get(), false)
                        : shared.tailSet(start, true);
                for (IpAddress ip : below) {
                    if (ip.family() != family) {
                        break;
                    }
                    if (uses.get(ip).pool == pool && conflict(ip, request).isEmpty()) {
                        return Optional.of(ip);
                    }
                }
            }
        }
        return lowestFree;
    }

    // ---- checks -----------------------------------------------------------------------------

    /**
     * Checks addresses the Service asks for or holds: at most one per family, families it
     * has, one pool (the requested one, if named) that allows its namespace and may assign
     * them, and nobody holding them who may not share with it.
     */
    private Checked checkAddresses(AllocationRequest request, List<IpAddress> ips, String what) {
        List<Family> wanted = request.addressFamilies();
        for (Family family : Family.values()) {
            List<IpAddress> ofFamily = ips.stream().filter(ip -> ip.family() == family).distinct().toList();
            if (ofFamily.size() > 1) {
                return Checked.failed(FailureReason.TOO_MANY_IPS, ofFamily.size() + " " + family + " addresses "
                        + what + " (" + join(ofFamily) + "); at most one per family");
            }
        }
        for (IpAddress ip : ips) {
            if (!wanted.contains(ip.family())) {
                return Checked.failed(FailureReason.FAMILY_MISMATCH, ip + " is " + ip.family() + ", but "
                        + request.service() + " has ipFamilies " + wanted + " (" + request.familyPolicy() + ")");
            }
        }
        PoolState pool = null;
        IpAddress pooled = null;
        for (IpAddress ip : ips) {
            Optional<PoolState> holder = poolOf(ip);
            if (holder.isEmpty()) {
                return Checked.failed(FailureReason.NOT_IN_ANY_POOL, ip + " is not in any address pool ("
                        + poolRanges() + "); request an address inside a pool, or add " + ip + " to a pool in the ConfigMap");
            }
            String name = holder.get().name();
            if (request.requestedPool().isPresent() && !request.requestedPool().get().equals(name)) {
                return Checked.failed(FailureReason.NOT_IN_REQUESTED_POOL, ip + " is in pool " + quote(name)
                        + ", not in the requested pool " + quote(request.requestedPool().get()));
            }
            if (pool != null && !pool.name().equals(name)) {
                return Checked.failed(FailureReason.DIFFERENT_POOLS, pooled + " is in pool " + quote(pool.name())
                        + " but " + ip + " is in pool " + quote(name) + "; a Service's addresses must come from one pool");
            }
            pool = holder.get();
            pooled = ip;
        }
        if (!pool.pool.allowsNamespace(request.service().namespace())) {
            return Checked.failed(namespaceRefused(pool, request));
        }
        for (IpAddress ip : ips) {
            if (!pool.pool.mayAssign(ip)) {
                return Checked.failed(FailureReason.AVOIDED_IP,
                        ip + " is avoided by pool " + quote(pool.name()) + " (avoid-buggy-ips)");
            }
        }
        for (IpAddress ip : ips) {
            Optional<Failed> conflict = conflict(ip, request);
            if (conflict.isPresent()) {
                return Checked.failed(conflict.get());
            }
        }
        return new Checked(null, pool, inFamilyOrder(ips.stream().distinct().toList(), wanted));
    }

    /** Why the Service may not use an address others hold, if it may not. */
    private Optional<Failed> conflict(IpAddress ip, AllocationRequest request) {
        Use use = uses.get(ip);
        if (use == null) {
            return Optional.empty();
        }
        ServiceKey other = use.services.stream().filter(s -> !s.equals(request.service())).findFirst().orElse(null);
        if (other == null) {
            return Optional.empty();
        }
        String annotation = Annotations.ALLOW_SHARED_IP;
        if (use.sharing.isEmpty()) {
            return Optional.of(new Failed(FailureReason.IP_IN_USE, ip + " is in use by " + other
                    + ", which does not share it (set the same " + annotation + " on both, with no port in common)"));
        }
        String theirs = use.sharing.get().value();
        if (request.sharing().isEmpty()) {
            return Optional.of(new Failed(FailureReason.IP_IN_USE, ip + " is in use by " + other + ", which shares it under "
                    + annotation + " " + quote(theirs) + "; set the same on this Service, with no port in common"));
        }
        if (!request.sharing().get().equals(use.sharing.get())) {
            return Optional.of(new Failed(FailureReason.IP_IN_USE, ip + " is in use by " + other + " under " + annotation
                    + " " + quote(theirs) + ", not " + quote(request.sharing().get().value())
                    + "; set the same key on both to share it"));
        }
        if (!use.traffic.sharesWith(request.traffic())) {
            return Optional.of(new Failed(FailureReason.TRAFFIC_POLICY_CONFLICT, ip + " is shared by " + other
                    + " with externalTrafficPolicy " + use.traffic + ", this Service has " + request.traffic()
                    + "; Services sharing an IP need both Cluster, or both Local with the same selector"));
        }
        for (PortSet.Port port : request.ports().ports()) {
            ServiceKey owner = use.ports.get(port);
            if (owner != null && !owner.equals(request.service())) {
                return Optional.of(new Failed(FailureReason.PORT_CONFLICT, ip + ": " + port + " is already used there by "
                        + owner + "; Services sharing an IP need different ports"));
            }
        }
        return Optional.empty();
    }

    private static boolean fits(Allocation allocation, Config next) {
        String poolName = null;
        for (IpAddress ip : allocation.ips()) {
            Optional<AddressPool> pool = next.poolContaining(ip);
            if (pool.isEmpty() || !pool.get().mayAssign(ip)
                    || !pool.get().allowsNamespace(allocation.service().namespace())
                    || (poolName != null && !poolName.equals(pool.get().name()))) {
                return false;
            }
            poolName = pool.get().name();
        }
        return true;
    }

    // ---- failures -----------------------------------------------------------------------------

    private static Failed namespaceRefused(PoolState pool, AllocationRequest request) {
        return new Failed(FailureReason.NAMESPACE_NOT_ALLOWED, "pool " + quote(pool.name())
                + " does not allow namespace " + request.service().namespace());
    }

    private static Failed familyGap(PoolState pool, AllocationRequest request) {
        List<Family> wanted = request.addressFamilies();
        if (request.familyPolicy() == FamilyPolicy.REQUIRE_DUAL_STACK) {
            return new Failed(FailureReason.NO_POOL_FOR_FAMILY, "RequireDualStack needs a pool with both IPv4 and IPv6; pool "
                    + quote(pool.name()) + " has " + familiesOf(pool.pool));
        }
        return new Failed(FailureReason.NO_POOL_FOR_FAMILY, "pool " + quote(pool.name()) + " has no " + wanted.get(0)
                + " addresses, and " + request.service() + " needs one (" + request.familyPolicy() + ", ipFamilies "
                + wanted + ")");
    }

    private Failed exhausted(PoolState pool, Family family, AllocationRequest request) {
        String sharing = request.sharing()
                .map(key -> "; none can be shared under " + Annotations.ALLOW_SHARED_IP + " " + quote(key.value()))
                .orElse("");
        return new Failed(FailureReason.POOL_EXHAUSTED, "pool " + quote(pool.name()) + " has no free " + family
                + " address (" + pool.inUse(family) + " of " + pool.pool.size(family) + " in use" + sharing + ")");
    }

    // ---- state ------------------------------------------------------------------------------

    private void hold(AllocationRequest request, Allocation allocation) {
        PoolState pool = pools.get(allocation.pool());
        for (IpAddress ip : allocation.ips()) {
            Use use = uses.get(ip);
            if (use == null) {
                use = new Use(ip, pool, request.sharing(), request.traffic());
                uses.put(ip, use);
                pool.take(ip);
                request.sharing().ifPresent(key -> sharedUnder.computeIfAbsent(key, k -> new TreeSet<>()).add(ip));
            }
            use.services.add(request.service());
            for (PortSet.Port port : request.ports().ports()) {
                use.ports.put(port, request.service());
            }
        }
        holdings.put(request.service(), new Holding(allocation, request));
    }

    private void unhold(ServiceKey service) {
        Holding holding = holdings.remove(service);
        for (IpAddress ip : holding.allocation().ips()) {
            Use use = uses.get(ip);
            use.services.remove(service);
            for (PortSet.Port port : holding.request().ports().ports()) {
                use.ports.remove(port, service);
            }
            if (use.services.isEmpty()) {
                uses.remove(ip);
                if (use.pool != null) {
                    use.pool.give(ip);
                }
                use.sharing.ifPresent(key -> {
                    TreeSet<IpAddress> shared = sharedUnder.get(key);
                    shared.remove(ip);
                    if (shared.isEmpty()) {
                        sharedUnder.remove(key);
                    }
                });
            }
        }
    }

    private void buildPools() {
        pools.clear();
        ranges.clear();
        for (AddressPool pool : config.pools()) {
            PoolState state = new PoolState(pool);
            pools.put(pool.name(), state);
            for (IpRange range : pool.ranges()) {
                ranges.put(range.first(), new PoolRange(range, state));
            }
        }
    }

    /** The pool whose ranges hold the address; pools never overlap, so at most one. */
    private Optional<PoolState> poolOf(IpAddress ip) {
        Map.Entry<IpAddress, PoolRange> below = ranges.floorEntry(ip);
        return below != null && below.getValue().range().contains(ip)
                ? Optional.of(below.getValue().pool())
                : Optional.empty();
    }

    private static AllocationResult assigned(AllocationRequest request, PoolState pool, List<IpAddress> ips) {
        return new Assigned(new Allocation(request.service(), pool.name(), ips), true);
    }

    private static List<IpAddress> inFamilyOrder(Collection<IpAddress> ips, List<Family> families) {
        return ips.stream().sorted(Comparator.comparingInt(ip -> families.indexOf(ip.family()))).toList();
    }

    private static String familiesOf(AddressPool pool) {
        boolean v4 = pool.hasFamily(Family.IPV4);
        boolean v6 = pool.hasFamily(Family.IPV6);
        return v4 && v6 ? "both" : v4 ? "only IPv4" : v6 ? "only IPv6" : "no addresses";
    }

    private static Family otherFamily(Family family) {
        return family == Family.IPV4 ? Family.IPV6 : Family.IPV4;
    }

    private static String poolNames(Collection<PoolState> states) {
        return (states.size() == 1 ? "pool " : "pools ")
                + states.stream().map(s -> quote(s.name())).collect(Collectors.joining(", "));
    }

    private static String join(List<IpAddress> ips) {
        return ips.stream().map(IpAddress::toString).collect(Collectors.joining(", "));
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }

    /** One pool in force: its free addresses per family and how many it has handed out. */
    /** "default: 198.18.0.100-198.18.0.150; v6: ..." for messages, at most three pools. */
    private String poolRanges() {
        if (pools.isEmpty()) {
            return "no pools are configured";
        }
        String listed = pools.values().stream().limit(3)
                .map(p -> p.pool.name() + ": " + String.join(", ", p.pool.ranges().stream().map(IpRange::toString).toList()))
                .collect(java.util.stream.Collectors.joining("; "));
        return pools.size() > 3 ? listed + "; and " + (pools.size() - 3) + " more" : listed;
    }

    private static final class PoolState {
        final AddressPool pool;
        final Map<Family, FreeAddresses> free = new EnumMap<>(Family.class);
        private final long[] inUse = new long[Family.values().length];

        PoolState(AddressPool pool) {
            this.pool = pool;
            for (Family family : Family.values()) {
                List<IpRange> ranges = pool.ranges().stream().filter(r -> r.family() == family).toList();
                if (!ranges.isEmpty()) {
                    free.put(family, new FreeAddresses(family, ranges, pool.avoidBuggyIps()));
                }
            }
        }

        String name() {
            return pool.name();
        }

        long inUse(Family family) {
            return inUse[family.ordinal()];
        }

        void take(IpAddress ip) {
            free.get(ip.family()).take(ip.value());
            inUse[ip.family().ordinal()]++;
        }

        void give(IpAddress ip) {
            free.get(ip.family()).give(ip.value());
            inUse[ip.family().ordinal()]--;
        }
    }

    /**
     * One address in use. Its sharing key and traffic policy are those of its first holder;
     * every later holder must have equal ones, so they speak for all.
     */
    private static final class Use {
        final IpAddress ip;
        /** Null while the address lies outside every pool (after an unchecked reconfigure). */
        PoolState pool;
        final Optional<SharingKey> sharing;
        final TrafficPolicy traffic;
        final TreeSet<ServiceKey> services = new TreeSet<>();
        final Map<PortSet.Port, ServiceKey> ports = new HashMap<>();

        Use(IpAddress ip, PoolState pool, Optional<SharingKey> sharing, TrafficPolicy traffic) {
            this.ip = ip;
            this.pool = pool;
            this.sharing = sharing;
            this.traffic = traffic;
        }
    }

    private record Holding(Allocation allocation, AllocationRequest request) {
    }

    private record PoolRange(IpRange range, PoolState pool) {
    }

    /** Addresses checked against a request: a failure, or their pool and the addresses in family order. */
    private record Checked(Failed failure, PoolState pool, List<IpAddress> ips) {
        static Checked failed(FailureReason reason, String message) {
            return new Checked(new Failed(reason, message), null, List.of());
        }

        static Checked failed(Failed failure) {
            return new Checked(failure, null, List.of());
        }
    }
}
