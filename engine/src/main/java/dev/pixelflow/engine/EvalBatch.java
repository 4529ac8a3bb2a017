package dev.pixelflow.engine;

import java.util.Objects;

/**
 * Result of evaluating one batch without training.
 *
 * @param meanLoss      mean cross-entropy over the batch
 * @param probabilities class probabilities, [batch][classes]
 * @param predicted     arg-max class per example
 * @param correct       how many predictions equal the labels
 */
public record EvalBatch(double meanLoss, float[][] probabilities, int[] predicted, int correct) {
    public EvalBatch {
        Objects.requireNonNull(probabilities, "probabilities");
        Objects.requireNonNull(predicted, "predicted");
        if (predicted.length != probabilities.length) {
            throw new IllegalArgumentException("predicted has " + predicted.length + " entries for "
                    + probabilities.length + " examples");
        }
        if (correct < 0 || correct > predicted.length) {
            throw new IllegalArgumentException("correct must be 0.." + predicted.length + ", got " + correct);
        }
    }

    public int size() {
        return predicted.length;
    }

    public double accuracy() {
        return predicted.length == 0 ? 0 : (double) correct / predicted.length;
    }
}
