package dev.pixelflow.common.message;

/** Precision and recall of one class on the validation split; support is how many images had that label. */
public record ClassMetrics(double precision, double recall, int support) {
}
