package io.herald.speaker.announce;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Interfaces never announced on unless a pool names them: on a real node the pod network
 * and the container runtimes add bridges and veths that carry the node's traffic to pods,
 * not to the LAN, and an ARP reply sent there only confuses (a first run on kubelet nodes
 * announced "on cni0, eth0"). The default is the list MetalLB's manifests ship.
 */
public final class ExcludedInterfaces {
    /** MetalLB's default exclusions, as regular expressions matched against the whole name. */
    public static final List<String> DEFAULT = List.of("^docker.*", "^cni.*", "^cali.*", "^flannel.*",
            "^kube-ipvs.*", "^veth.*", "^lxc.*", "^cbr.*", "^virbr.*", "^tunl.*", "^nodelocaldns.*", "^dummy.*");
    public static final ExcludedInterfaces NONE = new ExcludedInterfaces(List.of(), List.of());

    private final List<String> expressions;
    private final List<Pattern> patterns;

    private ExcludedInterfaces(List<String> expressions, List<Pattern> patterns) {
        this.expressions = expressions;
        this.patterns = patterns;
    }

    /**
     * Compiles the expressions; an empty string in the list stands for "nothing" (so that
     * {@code --exclude-interfaces=} turns the default off).
     *
     * @throws IllegalArgumentException naming the expression that is not a regular expression
     */
    public static ExcludedInterfaces of(List<String> expressions) {
        List<String> kept = expressions.stream().filter(e -> !e.isEmpty()).toList();
        try {
            return new ExcludedInterfaces(kept, kept.stream().map(Pattern::compile).toList());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--exclude-interfaces: \"" + e.getPattern() + "\" is not a regular expression ("
                    + e.getDescription() + "); write one such as ^veth.*", e);
        }
    }

    /** The first expression that matches {@code name} (found anywhere in it, as Go's regexp.MatchString does). */
    public Optional<String> match(String name) {
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matcher(name).find()) {
                return Optional.of(expressions.get(i));
            }
        }
        return Optional.empty();
    }

    public List<String> expressions() {
        return expressions;
    }

    @Override
    public String toString() {
        return expressions.isEmpty() ? "none" : String.join(" ", expressions);
    }
}
