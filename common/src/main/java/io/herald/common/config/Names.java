package io.herald.common.config;

import java.util.regex.Pattern;

/** The spelling rules Kubernetes and Linux apply to the names a config holds. */
final class Names {
    private Names() {}

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    static final String DNS_LABEL_RULE =
            "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
    static final String LABEL_KEY_RULE = "use an optional DNS prefix and '/', then at most 63 letters, digits, "
            + "'-', '_' and '.', starting and ending with a letter or digit";
    static final String LABEL_VALUE_RULE =
            "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
    static final String INTERFACE_RULE = "Linux names have 1 to 15 characters and no spaces, '/' or ':'";

    /** RFC 1123 label: pool and namespace names. */
    static boolean isDnsLabel(String name) {
        return name.length() <= 63 && DNS_LABEL.matcher(name).matches();
    }

    /** A label key as Kubernetes accepts it: {@code [prefix/]name}. */
    static boolean isLabelKey(String key) {
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
        }
        return name.length() <= 63 && LABEL_NAME.matcher(name).matches();
    }

    /** A label value: empty, or like a label name. */
    static boolean isLabelValue(String value) {
        return value.isEmpty() || (value.length() <= 63 && LABEL_NAME.matcher(value).matches());
    }

    /** What the Linux kernel accepts as an interface name (dev_valid_name). */
    static boolean isInterfaceName(String name) {
        return !name.isEmpty() && name.length() <= 15 && !name.equals(".") && !name.equals("..")
                && name.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c));
    }
}
