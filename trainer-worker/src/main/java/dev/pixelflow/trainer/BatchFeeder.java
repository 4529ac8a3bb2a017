package dev.pixelflow.trainer;

import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.Augmenter;
import dev.pixelflow.common.image.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One epoch of training batches, made on a background thread while the network trains on the previous one:
 * shuffled by the epoch's seed, each image warped by a fresh augmentation, converted to floats in the engine's
 * layout. A few batches are kept ready so the network never waits for data.
 */
final class BatchFeeder implements AutoCloseable {
    /** Features in the engine's layout, labels as class indices. */
    record Batch(float[] features, int[] labels, int size) {
    }

    private static final Batch END = new Batch(new float[0], new int[0], 0);
    private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private volatile RuntimeException failure;
    private final int batches;

    BatchFeeder(byte[][] pixels, int[] labels, ImageShape shape, int batchSize, AugmentSettings augmentation,
                boolean channelsFirst, long epochSeed) {
        int n = labels.length;
        this.batches = (n + batchSize - 1) / batchSize;
        SplittableRandom rng = new SplittableRandom(epochSeed);
        int[] order = shuffled(n, rng);
        Augmenter augmenter = augmentation.isIdentity() ? null : new Augmenter(augmentation);
        thread = new Thread(() -> {
            try {
                byte[] warped = new byte[shape.length()];
                for (int start = 0; start < n && !closed.get(); start += batchSize) {
                    int size = Math.min(batchSize, n - start);
                    float[] x = new float[size * shape.length()];
                    int[] y = new int[size];
                    for (int i = 0; i < size; i++) {
                        int idx = order[start + i];
                        byte[] img = pixels[idx];
                        if (augmenter != null) {
                            augmenter.apply(img, shape, rng.split(), warped);
                            img = warped;
                        }
                        ImagePreprocessor.toUnitFloat(img, shape, x, i * shape.length(), channelsFirst);
                        y[i] = labels[idx];
                    }
                    put(new Batch(x, y, size));
                }
                put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
                queue.offer(END);
            }
        }, "batch-feeder");
        thread.setDaemon(true);
        thread.start();
    }

    int batches() {
        return batches;
    }

    private void put(Batch b) throws InterruptedException {
        while (!closed.get() && !queue.offer(b, 200, TimeUnit.MILLISECONDS)) {
            // the trainer is busy with earlier batches; offer again unless closing
        }
    }

    /** The next batch, or null at the end of the epoch. */
    Batch next() throws InterruptedException {
        Batch b = queue.take();
        if (failure != null) {
            throw new IllegalStateException("preparing a batch failed: " + failure.getMessage(), failure);
        }
        return b == END ? null : b;
    }

    /** Batches of un-augmented images in order (validation, evaluation): made on the caller's thread. */
    static Batch plain(byte[][] pixels, int[] labels, ImageShape shape, int from, int size, boolean channelsFirst) {
        float[] x = new float[size * shape.length()];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            ImagePreprocessor.toUnitFloat(pixels[from + i], shape, x, i * shape.length(), channelsFirst);
            y[i] = labels[from + i];
        }
        return new Batch(x, y, size);
    }

    static int[] shuffled(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @Override
    public void close() {
        closed.set(true);
        queue.clear();
        thread.interrupt();
    }
}
