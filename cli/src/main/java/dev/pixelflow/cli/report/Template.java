package dev.pixelflow.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML from this package's resources with two kinds of placeholder: {@code {{name}}} takes text, escaped;
 * {@code {{{name}}}} takes markup that another template made. Every placeholder needs a value and every value a
 * placeholder, so the page and the code that fills it cannot drift apart unnoticed.
 */
final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\{([a-z][a-z0-9-]*)}}}|\\{\\{([a-z][a-z0-9-]*)}}");
    private static final Pattern PART = Pattern.compile("(?m)^<!-- part: ([a-z][a-z0-9-]*) -->\\n");

    private final String name;
    private final String text;

    private Template(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** The whole resource as one template. */
    static Template load(String resource) {
        return new Template(resource, read(resource));
    }

    /**
     * The named parts of a resource: each runs from its {@code <!-- part: NAME -->} line to the next one, without
     * the newline that ends it; anything before the first marker is a comment for the reader.
     */
    static Map<String, Template> parts(String resource) {
        String all = read(resource);
        Map<String, Template> parts = new LinkedHashMap<>();
        Matcher m = PART.matcher(all);
        String current = null;
        int start = 0;
        while (m.find()) {
            if (current != null) {
                parts.put(current, part(resource, current, all.substring(start, m.start())));
            }
            current = m.group(1);
            start = m.end();
        }
        if (current != null) {
            parts.put(current, part(resource, current, all.substring(start)));
        }
        return Map.copyOf(parts);
    }

    String render(Map<String, String> values) {
        Set<String> unused = new TreeSet<>(values.keySet());
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 256);
        while (m.find()) {
            boolean markup = m.group(1) != null;
            String key = markup ? m.group(1) : m.group(2);
            String value = values.get(key);
            if (value == null) {
                throw new IllegalArgumentException(name + ": no value for {{" + key + "}}");
            }
            unused.remove(key);
            m.appendReplacement(out, Matcher.quoteReplacement(markup ? value : Html.escape(value)));
        }
        m.appendTail(out);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(name + ": no placeholder for " + unused);
        }
        return out.toString();
    }

    private static Template part(String resource, String name, String text) {
        return new Template(resource + "#" + name, text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
    }

    private static String read(String resource) {
        try (InputStream in = Template.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " beside " + Template.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
