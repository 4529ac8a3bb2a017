package dev.pixelflow.cli.classify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pixelflow.common.message.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Accuracy, per-class precision and recall, and the confusion matrix of a labelled set, built one answer at a
 * time. Images that could not be classified are counted beside the metrics, not in them.
 */
public final class EvalReport {
    /** Precision, recall and F1 of one class; NaN where undefined (nothing predicted, or no examples). */
    public record ClassMetrics(String label, double precision, double recall, double f1, int support) {
    }

    private final Map<String, Map<String, Integer>> confusion = new HashMap<>();
    private final Map<String, Integer> models = new HashMap<>();
    private final Map<String, Integer> errors = new TreeMap<>();
    private int count;
    private int correct;
    private int timedOut;
    private int sendFailed;
    private int skipped;
    private int unlabelled;

    /** An answered image with its true label. */
    public void add(String trueLabel, String predicted, String model, Integer version) {
        confusion.computeIfAbsent(trueLabel, k -> new HashMap<>()).merge(predicted, 1, Integer::sum);
        count++;
        if (trueLabel.equals(predicted)) {
            correct++;
        }
        if (model != null) {
            models.merge(version == null ? model : model + ":" + version, 1, Integer::sum);
        }
    }

    public void error(String code) {
        errors.merge(code, 1, Integer::sum);
    }

    public void timedOut() {
        timedOut++;
    }

    public void sendFailed() {
        sendFailed++;
    }

    public void skipped() {
        skipped++;
    }

    public void unlabelled() {
        unlabelled++;
    }

    public int count() {
        return count;
    }

    public int correct() {
        return correct;
    }

    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Every label seen as truth or prediction, sorted. */
    public List<String> labels() {
        TreeSet<String> labels = new TreeSet<>(confusion.keySet());
        confusion.values().forEach(row -> labels.addAll(row.keySet()));
        return List.copyOf(labels);
    }

    public int cell(String trueLabel, String predicted) {
        return confusion.getOrDefault(trueLabel, Map.of()).getOrDefault(predicted, 0);
    }

    public List<ClassMetrics> perClass() {
        List<String> labels = labels();
        List<ClassMetrics> out = new ArrayList<>();
        for (String c : labels) {
            int tp = cell(c, c);
            int predicted = 0;
            int actual = 0;
            for (String other : labels) {
                predicted += cell(other, c);
                actual += cell(c, other);
            }
            double precision = predicted == 0 ? Double.NaN : (double) tp / predicted;
            double recall = actual == 0 ? Double.NaN : (double) tp / actual;
            double f1 = Double.isNaN(precision) || Double.isNaN(recall) || precision + recall == 0 ? Double.NaN
                    : 2 * precision * recall / (precision + recall);
            out.add(new ClassMetrics(c, precision, recall, f1, actual));
        }
        return out;
    }

    /** The {@code model:version} that answered most images, or null when none was answered. */
    public String mainModel() {
        return models.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
                .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()))).map(Map.Entry::getKey).orElse(null);
    }

    /** Answers per {@code model:version}; more than one entry means the model changed during the run. */
    public Map<String, Integer> models() {
        return new TreeMap<>(models);
    }

    public Map<String, Integer> errors() {
        return new TreeMap<>(errors);
    }

    public int timedOutCount() {
        return timedOut;
    }

    public int sendFailedCount() {
        return sendFailed;
    }

    public int skippedCount() {
        return skipped;
    }

    public int unlabelledCount() {
        return unlabelled;
    }

    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        putNumber(root, "accuracy", accuracy());
        root.put("count", count);
        root.put("correct", correct);
        String main = mainModel();
        if (main != null) {
            int colon = main.lastIndexOf(':');
            root.put("model", colon < 0 ? main : main.substring(0, colon));
            if (colon >= 0) {
                root.put("version", Integer.parseInt(main.substring(colon + 1)));
            }
        } else {
            root.putNull("model");
            root.putNull("version");
        }
        if (models.size() > 1) {
            ObjectNode versions = root.putObject("versions");
            models().forEach(versions::put);
        }
        ObjectNode classes = root.putObject("classes");
        for (ClassMetrics m : perClass()) {
            ObjectNode c = classes.putObject(m.label());
            putNumber(c, "precision", m.precision());
            putNumber(c, "recall", m.recall());
            putNumber(c, "f1", m.f1());
            c.put("support", m.support());
        }
        ObjectNode matrix = root.putObject("confusion");
        ArrayNode labels = matrix.putArray("labels");
        ArrayNode rows = matrix.putArray("matrix");
        for (String t : labels()) {
            labels.add(t);
            ArrayNode row = rows.addArray();
            for (String p : labels()) {
                row.add(cell(t, p));
            }
        }
        ObjectNode errorCounts = root.putObject("errors");
        errors.forEach(errorCounts::put);
        root.put("timedOut", timedOut);
        root.put("sendFailed", sendFailed);
        root.put("skipped", skipped);
        root.put("unlabelled", unlabelled);
        return root;
    }

    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, Math.round(value * 1e6) / 1e6);
        }
    }

    /** The human report: summary, per-class table and confusion matrix. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        String main = mainModel();
        sb.append(String.format(Locale.ROOT, "evaluated %d images with %s%n", count, main == null ? "no model" : main));
        if (models.size() > 1) {
            sb.append("warning: the model changed during the run: ").append(models()).append(System.lineSeparator());
        }
        List<String> notes = new ArrayList<>();
        errors.forEach((code, n) -> notes.add(n + " " + code));
        if (timedOut > 0) {
            notes.add(timedOut + " timed out");
        }
        if (sendFailed > 0) {
            notes.add(sendFailed + " not sent");
        }
        if (skipped > 0) {
            notes.add(skipped + " skipped");
        }
        if (unlabelled > 0) {
            notes.add(unlabelled + " without a label");
        }
        if (!notes.isEmpty()) {
            sb.append("not counted: ").append(String.join(", ", notes)).append(System.lineSeparator());
        }
        if (count == 0) {
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "accuracy %.4f (%d/%d)%n%n", accuracy(), correct, count));
        List<String> labels = labels();
        int w = Math.max(5, labels.stream().mapToInt(String::length).max().orElse(5));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %9s  %9s  %9s  %7s%n", "class", "precision", "recall", "f1",
                "support"));
        for (ClassMetrics m : perClass()) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %9s  %9s  %9s  %7d%n", m.label(), fmt(m.precision()),
                    fmt(m.recall()), fmt(m.f1()), m.support()));
        }
        sb.append(System.lineSeparator()).append("confusion matrix (rows: true label, columns: predicted)")
                .append(System.lineSeparator());
        int cw = Math.max(6, Math.max(Integer.toString(count).length(), labels.stream().mapToInt(String::length).max().orElse(1)));
        sb.append(" ".repeat(w));
        labels.forEach(p -> sb.append("  ").append(String.format(Locale.ROOT, "%" + cw + "s", p)));
        sb.append(System.lineSeparator());
        for (String t : labels) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", t));
            for (String p : labels) {
                sb.append("  ").append(String.format(Locale.ROOT, "%" + cw + "d", cell(t, p)));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
