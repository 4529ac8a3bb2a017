package dev.pixelflow.common.message;

import java.util.Map;

/**
 * What one epoch achieved. Validation figures are on the hash-decided validation split, never augmented.
 *
 * @param perClass precision/recall per class name on validation
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           Map<String, ClassMetrics> perClass, double seconds, double imagesPerSecond) {
    public EpochMetrics {
        if (epoch < 1) {
            throw new IllegalArgumentException("field 'epoch' must be >= 1, got " + epoch);
        }
        perClass = perClass == null ? Map.of() : Map.copyOf(perClass);
    }
}
