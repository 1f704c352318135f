package io.herald.speaker;

import io.herald.common.cli.Commands;
import io.herald.speaker.announce.ExcludedInterfaces;
import io.herald.speaker.announce.LinkVerdict;
import io.herald.speaker.announce.Links;
import io.herald.speaker.announce.RawSockets;
import io.herald.speaker.l2.InterfaceInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code speaker interfaces}: on a node, without an API server, where the speaker would announce and whether it can. */
@Command(name = "interfaces", mixinStandardHelpOptions = true, versionProvider = Commands.Version.class,
        description = {
            "Lists this node's interfaces: the ones the speaker announces on when a pool",
            "names none, and why each other one is skipped. Then opens the raw socket",
            "the speaker uses on each of them, as it would to answer ARP / NDP.",
            "",
            "Needs no API server. Run it where the speaker runs (the speaker's pod, or",
            "the node with the same capabilities). Exits 0 when every listed interface",
            "opened, 1 with the reason and the fix when one did not or none is fit."
        })
final class InterfacesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    InterfaceOptions interfaces;

    @Parameters(paramLabel = "NAME", arity = "0..*",
            description = "check these interfaces as a pool's interfaces list names them, instead of the default choice")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Links links = Links.system();
        ExcludedInterfaces excluded = interfaces.excluded();
        List<InterfaceInfo> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            for (LinkVerdict link : links.survey(excluded)) {
                out.printf("%-15s %s%n", link.name(), link.fit() ? "announce (" + link.info().mac() + ")" : "skip: " + link.skipped());
                if (link.fit()) {
                    chosen.add(link.info());
                }
            }
        } else {
            for (String name : names) {
                try {
                    InterfaceInfo info = links.resolve(name);
                    out.printf("%-15s announce (%s), named%n", name, info.mac());
                    chosen.add(info);
                } catch (IllegalArgumentException e) {
                    err.println(name + ": " + e.getMessage());
                    return 1;
                }
            }
        }
        Optional<Boolean> netRaw = RawSockets.netRawEffective();
        out.println("CAP_NET_RAW: " + netRaw.map(on -> on ? "effective" : "missing").orElse("unknown (no /proc/self/status)"));
        if (chosen.isEmpty()) {
            err.println("no interface here is fit to announce on; name one in the pool's interfaces, or change --exclude-interfaces");
            return 1;
        }
        int failed = 0;
        for (InterfaceInfo iface : chosen) {
            Optional<String> problem = RawSockets.problem(iface);
            if (problem.isPresent()) {
                err.println(problem.get());
                failed++;
            } else {
                out.println(iface.name() + ": raw socket opened (ARP and Neighbor Solicitations)");
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
