package dev.pixelflow.trainer;

import dev.pixelflow.common.message.ClassMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Confusion counts over an evaluation, and the per-class precision and recall they give. */
final class ClassificationTally {
    private final long[][] confusion;
    private double lossSum;
    private long count;
    private long correct;

    ClassificationTally(int classes) {
        confusion = new long[classes][classes];
    }

    void add(int[] labels, int[] predicted, double meanLoss, int size) {
        for (int i = 0; i < size; i++) {
            confusion[labels[i]][predicted[i]]++;
            if (labels[i] == predicted[i]) {
                correct++;
            }
        }
        lossSum += meanLoss * size;
        count += size;
    }

    double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    Map<String, ClassMetrics> perClass(List<String> names) {
        Map<String, ClassMetrics> out = new LinkedHashMap<>();
        for (int c = 0; c < confusion.length; c++) {
            long tp = confusion[c][c];
            long predicted = 0;
            long actual = 0;
            for (int k = 0; k < confusion.length; k++) {
                predicted += confusion[k][c];
                actual += confusion[c][k];
            }
            out.put(names.get(c), new ClassMetrics(predicted == 0 ? 0 : (double) tp / predicted,
                    actual == 0 ? 0 : (double) tp / actual, (int) actual));
        }
        return out;
    }
}
