package io.herald.controller;

import io.herald.common.Annotations;
import io.herald.common.kube.HeraldServices;
import io.herald.common.ip.IpAddress;
import io.herald.controller.allocation.Allocation;
import io.herald.controller.allocation.AllocationRequest;
import io.herald.controller.allocation.Allocator;
import io.herald.controller.allocation.AllocationResult;
import io.herald.controller.allocation.Assigned;
import io.herald.controller.allocation.Failed;
import io.herald.controller.allocation.ServiceKey;
import io.herald.controller.kube.ServiceRequests;
import io.herald.controller.kube.ServiceStatus;
import io.herald.controller.metrics.ControllerMetrics;
import io.kubernetes.client.extended.controller.reconciler.Reconciler;
import io.kubernetes.client.extended.controller.reconciler.Result;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.workqueue.WorkQueue;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Service;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Brings one Service's status in line with the allocator's decision. The allocator
 * decides (under one lock); this class only translates and writes, one Service at a time.
 */
public final class ServiceReconciler implements Reconciler {
    private static final Logger log = LogManager.getLogger(ServiceReconciler.class);
    private static final Result DONE =
            new Result(false);
    private static final Result RETRY =
            new Result(true);

    private final Lister<V1Service> services;
    private final Allocator allocator;
    private final ServiceRequests requests;
    private final ServiceStatus status;
    private final ControllerMetrics metrics;
    private final WorkQueue<Request> queue;
    /** Services waiting for an address; requeued whenever one frees or the pools change. */
    private final Set<ServiceKey> pending = ConcurrentHashMap.newKeySet();

    public ServiceReconciler(Lister<V1Service> services, Allocator allocator, ServiceRequests requests,
            ServiceStatus status, ControllerMetrics metrics, WorkQueue<Request> queue) {
        this.services = services;
        this.allocator = allocator;
        this.requests = requests;
        this.status = status;
        this.metrics = metrics;
        this.queue = queue;
    }

    @Override
    public Result reconcile(Request request) {
        long start = System.nanoTime();
        try {
            return handle(new ServiceKey(request.getNamespace(), request.getName()));
        } catch (ApiException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                log.debug("{}/{}: {} writing status; the cache will catch up", request.getNamespace(), request.getName(), e.getCode());
            } else {
                log.warn("{}/{}: writing status failed (HTTP {} {}); retrying", request.getNamespace(), request.getName(),
                        e.getCode(), e.getMessage());
            }
            return RETRY;
        } finally {
            metrics.reconcileDuration.observe((System.nanoTime() - start) / 1e9);
        }
    }

    private Result handle(ServiceKey key) throws ApiException {
        V1Service service = services.namespace(key.namespace()).get(key.name());
        if (service == null) {
            pending.remove(key);
            release(key).ifPresent(a -> log.info("{}: deleted; released {}", key, ips(a)));
            return DONE;
        }
        if (!requests.handles(service)) {
            pending.remove(key);
            Optional<Allocation> released = release(key);
            if (writtenByHerald(service)) {
                status.clearAllocation(service);
                String why = requests.whyNotHandled(service);
                status.event(service, false, "IPReleased", released.map(a -> "released " + ips(a) + ": " + why).orElse(why));
                log.info("{}: {}; released its addresses", key, why);
            }
            return DONE;
        }
        ServiceRequests.Parsed parsed = requests.parse(service);
        if (parsed.problem().isPresent()) {
            // A typo in an annotation must not cost the Service the address its DNS points at.
            pending.add(key);
            fail(service, "invalid_request", parsed.problem().get());
            return DONE;
        }
        AllocationRequest request = parsed.request().orElseThrow();
        Optional<Allocation> before;
        AllocationResult result;
        synchronized (allocator) {
            before = allocator.allocationOf(key);
            result = allocator.assign(request);
        }
        if (result instanceof Assigned assigned) {
            pending.remove(key);
            Allocation allocation = assigned.allocation();
            if (!matchesStatus(service, allocation)) {
                status.writeAllocation(service, allocation.pool(), allocation.ips());
            }
            if (assigned.changed()) {
                metrics.allocations.labelValues(allocation.pool()).inc();
                String message = "Assigned " + ips(allocation) + " from pool " + allocation.pool();
                status.event(service, false, "IPAllocated", message);
                log.info("{}: {}", key, message);
                before.filter(b -> !b.ips().equals(allocation.ips())).ifPresent(b -> requeuePending());
            }
            return DONE;
        }
        Failed failed = (Failed) result;
        pending.add(key);
        if (writtenByHerald(service)) {
            status.clearAllocation(service);
        }
        if (before.isPresent()) {
            metrics.releases.inc();
            requeuePending();
        }
        fail(service, failed.reason().label(), failed.message());
        return DONE;
    }

    private void fail(V1Service service, String reason, String message) {
        metrics.failures.labelValues(reason).inc();
        status.event(service, true, "AllocationFailed", message);
        log.warn("{}/{}: no address: {}", service.getMetadata().getNamespace(), service.getMetadata().getName(), message);
    }

    private Optional<Allocation> release(ServiceKey key) {
        Optional<Allocation> released = allocator.release(key);
        if (released.isPresent()) {
            metrics.releases.inc();
            requeuePending();
        }
        return released;
    }

    /** Gives every waiting Service another try; called when an address frees or the pools change. */
    public void requeuePending() {
        for (ServiceKey key : pending) {
            queue.add(new Request(key.namespace(), key.name()));
        }
    }

    /** Queues every Service, e.g. after the pools changed. */
    public void requeueAll() {
        for (V1Service service : oldestFirst(services.list())) {
            queue.add(new Request(service.getMetadata().getNamespace(), service.getMetadata().getName()));
        }
    }

    /** Oldest Service first, then by name: who came first keeps the lower address after a restart too. */
    private static List<V1Service> oldestFirst(List<V1Service> services) {
        List<V1Service> sorted = new ArrayList<>(services);
        sorted.sort(Comparator
                .comparing((V1Service s) -> Optional.ofNullable(s.getMetadata().getCreationTimestamp()).orElse(OffsetDateTime.MIN))
                .thenComparing(s -> s.getMetadata().getNamespace())
                .thenComparing(s -> s.getMetadata().getName()));
        return sorted;
    }

    /**
     * Before anything new is allocated, takes back every address already in a
     * Service's status that is still valid, oldest Service first, so a restart or a
     * new leader changes nobody's IP. Returns how many Services kept theirs.
     */
    public int claimExisting() {
        List<V1Service> withAddresses = new ArrayList<>();
        for (V1Service service : services.list()) {
            if (requests.handles(service) && !HeraldServices.ingressIps(service).isEmpty()) {
                withAddresses.add(service);
            }
        }
        int kept = 0;
        for (V1Service service : oldestFirst(withAddresses)) {
            ServiceKey key = new ServiceKey(service.getMetadata().getNamespace(), service.getMetadata().getName());
            List<IpAddress> ips;
            try {
                ips = HeraldServices.ingressIps(service).stream().map(IpAddress::parse).toList();
            } catch (IllegalArgumentException e) {
                log.warn("{}: status holds an address Herald cannot read ({}); it will get a new one", key, e.getMessage());
                continue;
            }
            ServiceRequests.Parsed parsed = requests.parse(service);
            if (parsed.request().isEmpty()) {
                continue;
            }
            if (allocator.claim(parsed.request().get(), ips) instanceof Failed failed) {
                log.warn("{}: cannot keep {}: {}; it will get a new address", key, ips, failed.message());
            } else {
                kept++;
            }
        }
        log.info("kept the addresses of {} of {} Services that had one", kept, withAddresses.size());
        return kept;
    }

    private static boolean writtenByHerald(V1Service service) {
        return service.getMetadata().getAnnotations() != null
                && service.getMetadata().getAnnotations().containsKey(Annotations.ALLOCATED_POOL);
    }

    private static boolean matchesStatus(V1Service service, Allocation allocation) {
        List<String> want = allocation.ips().stream().map(IpAddress::toString).toList();
        String pool = service.getMetadata().getAnnotations() == null ? null
                : service.getMetadata().getAnnotations().get(Annotations.ALLOCATED_POOL);
        boolean vipMode = service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null
                && service.getStatus().getLoadBalancer().getIngress().stream().allMatch(i -> "VIP".equals(i.getIpMode()));
        return want.equals(HeraldServices.ingressIps(service)) && allocation.pool().equals(pool) && vipMode;
    }

    private static String ips(Allocation allocation) {
        return String.join(", ", allocation.ips().stream().map(IpAddress::toString).toList());
    }
}
