package dev.pixelflow.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.pixelflow.common.message.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one benchmark measured, in the order it was measured: figures ({@code name value unit}), then ratios,
 * the headline ratio last. Printed as text lines or as one JSON object.
 */
public final class Report {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._/-]+");
    /**
     * Json's mapper, but writing nulls (a figure that is not a number is {@code "value": null}, not a missing
     * key) and indented, as people read a saved report.
     */
    private static final ObjectWriter JSON = Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.ALWAYS)
            .writerWithDefaultPrettyPrinter();

    /** One measured value; {@code decimals} is how many digits the text form shows. */
    public record Figure(String name, double value, String unit, int decimals) {
        public Figure {
            requireName(name);
            Objects.requireNonNull(unit, "unit");
            if (unit.isBlank() || unit.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("unit must be one word, got '" + unit + "'");
            }
            if (decimals < 0 || decimals > 6) {
                throw new IllegalArgumentException("decimals must be 0..6, got " + decimals);
            }
        }
    }

    /** A same-run comparison, e.g. pipeline/bare; {@code goal} may be null. */
    public record Ratio(String what, double value, Double goal) {
        public Ratio {
            if (what == null || what.isBlank() || what.contains("=") || what.contains("\n")) {
                throw new IllegalArgumentException("ratio description must be non-blank without '=' or newlines, got '"
                        + what + "'");
            }
        }
    }

    private final String bench;
    private final boolean quick;
    private final List<Figure> figures = new ArrayList<>();
    private final List<Ratio> ratios = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public Report(String bench, boolean quick) {
        this.bench = Objects.requireNonNull(bench, "bench");
        this.quick = quick;
    }

    public Report figure(String name, double value, String unit) {
        return figure(name, value, unit, 2);
    }

    public Report figure(String name, double value, String unit, int decimals) {
        figures.add(new Figure(name, value, unit, decimals));
        return this;
    }

    /** Adds a ratio; the last one added is the headline, printed last. */
    public Report ratio(String what, double value, Double goal) {
        ratios.add(new Ratio(what, value, goal));
        return this;
    }

    /** A sentence about the conditions of the run (shown in JSON, and on stderr by the caller). */
    public Report note(String note) {
        notes.add(Objects.requireNonNull(note, "note"));
        return this;
    }

    public List<Figure> figures() {
        return List.copyOf(figures);
    }

    public List<Ratio> ratios() {
        return List.copyOf(ratios);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The value of a figure by name, for benches that derive one figure from another. */
    public double value(String name) {
        return figures.stream().filter(f -> f.name().equals(name)).mapToDouble(Figure::value).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no figure named " + name));
    }

    /** {@code name value unit} per figure, then {@code ratio <what> = X.XX} per ratio, the headline last. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Figure f : figures) {
            sb.append(f.name()).append(' ').append(format(f.value(), f.decimals())).append(' ').append(f.unit()).append('\n');
        }
        for (Ratio r : ratios) {
            sb.append("ratio ").append(r.what()).append(" = ").append(format(r.value(), 2)).append('\n');
        }
        return sb.toString();
    }

    /** One JSON object: bench, quick, figures, ratios (with goals), headline, notes. NaN becomes null. */
    public String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("bench", bench);
        root.put("quick", quick);
        List<Map<String, Object>> fs = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.put("value", finite(f.value()));
            m.put("unit", f.unit());
            fs.add(m);
        }
        root.put("figures", fs);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Ratio r : ratios) {
            rs.add(ratioJson(r));
        }
        root.put("ratios", rs);
        root.put("headline", ratios.isEmpty() ? null : ratioJson(ratios.get(ratios.size() - 1)));
        root.put("notes", notes);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> ratioJson(Ratio r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", r.what());
        m.put("value", finite(r.value()));
        m.put("goal", r.goal());
        m.put("met", r.goal() == null || !Double.isFinite(r.value()) ? null : r.value() >= r.goal());
        return m;
    }

    static String format(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("figure name must be letters, digits, '.', '_', '/' or '-', got '" + name + "'");
        }
    }
}
