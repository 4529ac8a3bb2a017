package dev.pixelflow.inference;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a request or {@code PIXELFLOW_MODEL} names: a model ({@code NAME}, its current version) or one version of
 * it ({@code NAME:VERSION}, pinned).
 *
 * @param version null for "the current version of this name"
 */
public record ModelRef(String name, Integer version) {
    private static final Pattern FORM = Pattern.compile("([^:\\s]+)(?::(\\d{1,9}))?");

    public ModelRef {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains(":")) {
            throw new IllegalArgumentException("model name must be non-blank without ':', got '" + name + "'");
        }
        if (version != null && version < 1) {
            throw new IllegalArgumentException("model version must be >= 1, got " + version);
        }
    }

    /** Parses {@code NAME} or {@code NAME:VERSION}; the message names the expected form. */
    public static ModelRef parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected NAME or NAME:VERSION (e.g. cats-vs-dogs:3), got '" + text + "'");
        }
        Integer version = m.group(2) == null ? null : Integer.valueOf(m.group(2));
        if (version != null && version < 1) {
            throw new IllegalArgumentException("model version must be >= 1, got '" + text + "'");
        }
        return new ModelRef(m.group(1), version);
    }

    public boolean pinned() {
        return version != null;
    }

    @Override
    public String toString() {
        return version == null ? name : name + ":" + version;
    }
}
