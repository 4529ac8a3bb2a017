package dev.pixelflow.common.message;

import dev.pixelflow.common.image.ImageShape;
import java.util.Map;

/**
 * What one epoch achieved. Validation figures are on the hash-decided validation split, never augmented.
 *
 * @param perClass  precision/recall per class name on validation
 * @param trainSize the size of the crops this epoch trained on, or null when it trained on whole images
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           Map<String, ClassMetrics> perClass, double seconds, double imagesPerSecond,
                           ImageShape trainSize) {
    public EpochMetrics {
        if (epoch < 1) {
            throw new IllegalArgumentException("field 'epoch' must be >= 1, got " + epoch);
        }
        perClass = perClass == null ? Map.of() : Map.copyOf(perClass);
    }

    /** An epoch that trained on whole images. */
    public EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                        Map<String, ClassMetrics> perClass, double seconds, double imagesPerSecond) {
        this(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, perClass, seconds, imagesPerSecond, null);
    }
}
