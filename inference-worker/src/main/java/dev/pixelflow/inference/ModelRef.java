package dev.pixelflow.inference;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a request or {@code PIXELFLOW_MODEL} names: a model ({@code NAME}: its production version, or the canary for
 * the canary's share of requests), one version of it ({@code NAME:VERSION}, pinned), or one of its aliases
 * ({@code NAME@production}, {@code NAME@canary}).
 *
 * @param version null for "the version the rollout serves"
 * @param alias   {@link #PRODUCTION} or {@link #CANARY}, or null
 */
public record ModelRef(String name, Integer version, String alias) {
    public static final String PRODUCTION = "production";
    public static final String CANARY = "canary";
    private static final Pattern FORM = Pattern.compile("([^:@\\s]+)(?::(\\d{1,9})|@([a-z]+))?");

    public ModelRef {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains(":") || name.contains("@")) {
            throw new IllegalArgumentException("model name must be non-blank without ':' or '@', got '" + name + "'");
        }
        if (version != null && version < 1) {
            throw new IllegalArgumentException("model version must be >= 1, got " + version);
        }
        if (alias != null && !alias.equals(PRODUCTION) && !alias.equals(CANARY)) {
            throw new IllegalArgumentException("model alias must be @production or @canary, got '@" + alias + "'");
        }
        if (alias != null && version != null) {
            throw new IllegalArgumentException("a model reference has a version or an alias, not both");
        }
    }

    public ModelRef(String name, Integer version) {
        this(name, version, null);
    }

    /** Parses {@code NAME}, {@code NAME:VERSION} or {@code NAME@ALIAS}; the message names the expected forms. */
    public static ModelRef parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected NAME, NAME:VERSION or NAME@production|canary (e.g. cats-vs-dogs:3), got '"
                    + text + "'");
        }
        Integer version = m.group(2) == null ? null : Integer.valueOf(m.group(2));
        if (version != null && version < 1) {
            throw new IllegalArgumentException("model version must be >= 1, got '" + text + "'");
        }
        return new ModelRef(m.group(1), version, m.group(3));
    }

    public boolean pinned() {
        return version != null;
    }

    @Override
    public String toString() {
        return version != null ? name + ":" + version : alias != null ? name + "@" + alias : name;
    }
}
