package io.herald.speaker;

import io.herald.speaker.announce.ExcludedInterfaces;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which interfaces the speaker leaves alone when a pool names none: the speaker and {@code speaker interfaces} read it alike. */
final class InterfaceOptions {
    @Option(names = "--exclude-interfaces", paramLabel = "REGEX",
            description = {"an interface never announced on unless a pool names it; repeat for more, give an empty",
                "value to exclude none (default: the pod network's and container runtimes' devices,",
                "as MetalLB: ${DEFAULT-VALUE})"})
    List<String> exclude = new ArrayList<>(ExcludedInterfaces.DEFAULT);

    ExcludedInterfaces excluded() {
        return ExcludedInterfaces.of(exclude);
    }
}
