package dev.pixelflow.engine;

import dev.pixelflow.common.image.ImageShape;

import java.util.SplittableRandom;

/** Learnable toy batches: class c is an image of brightness around (c + 0.5) / classes, plus noise. */
final class SyntheticImages {
    final float[] features;
    final int[] labels;

    private SyntheticImages(float[] features, int[] labels) {
        this.features = features;
        this.labels = labels;
    }

    static SyntheticImages batch(ImageShape shape, int classes, int batchSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = shape.length();
        float[] f = new float[batchSize * n];
        int[] labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            labels[i] = i % classes; // balanced
            float base = (labels[i] + 0.5f) / classes;
            for (int j = 0; j < n; j++) {
                float v = base + (float) ((random.nextDouble() - 0.5) * 0.1);
                f[i * n + j] = Math.min(1f, Math.max(0f, v));
            }
        }
        return new SyntheticImages(f, labels);
    }
}
