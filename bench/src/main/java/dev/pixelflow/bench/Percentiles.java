package dev.pixelflow.bench;

import java.util.Arrays;

/** Order statistics of latency samples. */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * The nearest-rank percentile: the smallest sample with at least {@code p} percent of the samples at or below
     * it, so p99 of 100 samples is the 99th smallest and p100 the maximum. NaN for no samples.
     *
     * @param p percentile in (0, 100]
     */
    public static double of(double[] samples, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (samples.length == 0) {
            return Double.NaN;
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(1, rank) - 1];
    }

    /** Arithmetic mean; NaN for no samples. */
    public static double mean(double... samples) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double s : samples) {
            sum += s;
        }
        return sum / samples.length;
    }
}
