package io.herald.e2e.lab;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the {@link ArpReferee} saw: every ARP request the client broadcast for the VIP, in
 * order, each with the MACs that answered it (before the next request left).
 */
public record ArpLog(List<Request> requests) {
    public ArpLog {
        requests = List.copyOf(requests);
    }

    /** One request, at {@code micros} on the capture's wall clock, and who answered it. */
    public record Request(long micros, Set<String> macs) {
        public Request {
            macs = Set.copyOf(macs);
        }
    }

    /** A run of unanswered requests: from the first of them to the next answered one. */
    public record Dark(long fromMicros, Duration length, Optional<String> before, Optional<String> after) {
        @Override
        public String toString() {
            return length.toMillis() + " ms with no answer (" + before.orElse("nobody") + " -> " + after.orElse("nobody") + ")";
        }
    }

    /** {@link #longestDark()} among the requests at or after {@code micros}. */
    public Dark longestDarkFrom(long micros) {
        return new ArpLog(requests.stream().filter(r -> r.micros() >= micros).toList()).longestDark();
    }

    /** The longest time no MAC answered, measured from the first unanswered request to the next answered one. */
    public Dark longestDark() {
        Dark longest = new Dark(0, Duration.ZERO, Optional.empty(), Optional.empty());
        int i = 0;
        while (i < requests.size()) {
            if (!requests.get(i).macs().isEmpty()) {
                i++;
                continue;
            }
            int start = i;
            while (i < requests.size() && requests.get(i).macs().isEmpty()) {
                i++;
            }
            long end = i < requests.size() ? requests.get(i).micros() : requests.get(requests.size() - 1).micros();
            Duration length = Duration.ofNanos((end - requests.get(start).micros()) * 1000);
            if (length.compareTo(longest.length()) > 0) {
                Optional<String> before = start == 0 ? Optional.empty() : requests.get(start - 1).macs().stream().findFirst();
                Optional<String> after = i < requests.size() ? requests.get(i).macs().stream().findFirst() : Optional.empty();
                longest = new Dark(requests.get(start).micros(), length, before, after);
            }
        }
        return longest;
    }

    /** Requests answered by more than one MAC. */
    public long answeredTwice() {
        return requests.stream().filter(r -> r.macs().size() > 1).count();
    }

    /** Requests answered by more than one MAC, at or after {@code micros}. */
    public long answeredTwiceFrom(long micros) {
        return requests.stream().filter(r -> r.micros() >= micros && r.macs().size() > 1).count();
    }

    /** Every MAC that answered a request at or after {@code micros}. */
    public Set<String> macsFrom(long micros) {
        Set<String> macs = new TreeSet<>();
        requests.stream().filter(r -> r.micros() >= micros).forEach(r -> macs.addAll(r.macs()));
        return macs;
    }

    /** The last request's time, or 0 when none was seen. */
    public long lastMicros() {
        return requests.isEmpty() ? 0 : requests.get(requests.size() - 1).micros();
    }

    public long answered() {
        return requests.stream().filter(r -> !r.macs().isEmpty()).count();
    }

    @Override
    public String toString() {
        return requests.size() + " ARP requests, " + answered() + " answered, " + answeredTwice() + " by two MACs, longest dark "
                + longestDark();
    }
}
