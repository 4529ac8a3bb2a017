package dev.pixelflow.cli.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts of (true label, predicted label) over a set of predictions, rows true and columns predicted.
 * The classes are the model's, in its order, followed by any label the predictions use that the model does not
 * know, so a mislabelled test set shows up as an extra row instead of vanishing from the counts.
 */
public final class ConfusionMatrix {
    private final List<String> classes;
    private final long[][] counts;
    private final long total;

    private ConfusionMatrix(List<String> classes, long[][] counts, long total) {
        this.classes = List.copyOf(classes);
        this.counts = counts;
        this.total = total;
    }

    public static ConfusionMatrix of(List<String> modelClasses, List<Prediction> predictions) {
        Map<String, Integer> index = new LinkedHashMap<>();
        modelClasses.forEach(c -> index.putIfAbsent(c, index.size()));
        for (Prediction p : predictions) {
            index.putIfAbsent(p.trueLabel(), index.size());
            index.putIfAbsent(p.predictedLabel(), index.size());
        }
        long[][] counts = new long[index.size()][index.size()];
        for (Prediction p : predictions) {
            counts[index.get(p.trueLabel())][index.get(p.predictedLabel())]++;
        }
        return new ConfusionMatrix(new ArrayList<>(index.keySet()), counts, predictions.size());
    }

    public List<String> classes() {
        return classes;
    }

    public long count(int trueIndex, int predictedIndex) {
        return counts[trueIndex][predictedIndex];
    }

    public long total() {
        return total;
    }

    public long correct() {
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            sum += counts[i][i];
        }
        return sum;
    }

    /** Share of correct predictions, NaN when there are none. */
    public double accuracy() {
        return total == 0 ? Double.NaN : (double) correct() / total;
    }

    /** How many images really have class {@code i}. */
    public long support(int i) {
        long sum = 0;
        for (long c : counts[i]) {
            sum += c;
        }
        return sum;
    }

    /** How many images the model put in class {@code i}. */
    public long predicted(int i) {
        long sum = 0;
        for (long[] row : counts) {
            sum += row[i];
        }
        return sum;
    }

    /** NaN when the model never predicted the class: precision is undefined there, not zero. */
    public double precision(int i) {
        long predicted = predicted(i);
        return predicted == 0 ? Double.NaN : (double) counts[i][i] / predicted;
    }

    /** NaN when no image has the class. */
    public double recall(int i) {
        long support = support(i);
        return support == 0 ? Double.NaN : (double) counts[i][i] / support;
    }

    public double f1(int i) {
        double p = precision(i);
        double r = recall(i);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
