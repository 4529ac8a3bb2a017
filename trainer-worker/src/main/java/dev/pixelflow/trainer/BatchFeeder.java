package dev.pixelflow.trainer;

import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.imaging.Augmenter;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.worker.DaemonThreads;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One epoch of training batches, made on a background thread while the network trains on the previous one:
 * shuffled by the epoch's seed, each image warped by a fresh augmentation, converted to floats in the engine's
 * layout. A few batches are kept ready so the network never waits for data. The images come from a {@link Source}:
 * the dataset in memory, or a pass over {@code tensors} through a shuffle buffer ({@link StreamedEpoch}).
 */
final class BatchFeeder implements AutoCloseable {
    /** Features in the engine's layout, labels as class indices. */
    record Batch(float[] features, int[] labels, int size) {
    }

    /** Hands the feeder one epoch's images in training order, on the feeder's thread. */
    interface Source {
        /**
         * @param rng     the epoch's random source, shared with augmentation: draw from it only on this thread
         * @param stopped true once the feeder is closed; a source should return soon after
         */
        void feed(SplittableRandom rng, BooleanSupplier stopped, Sink sink) throws InterruptedException;
    }

    interface Sink {
        void accept(byte[] pixels, int label) throws InterruptedException;
    }

    private static final Batch END = new Batch(new float[0], new int[0], 0);
    private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private volatile RuntimeException failure;
    private final int batches;
    /** Only the thread that calls {@link #next} touches this. */
    private long waitedNanos;

    BatchFeeder(byte[][] pixels, int[] labels, ImageShape shape, int batchSize, AugmentSettings augmentation,
                boolean channelsFirst, long epochSeed) {
        this(inMemory(pixels, labels), labels.length, shape, shape, batchSize, augmentation, channelsFirst, epochSeed);
    }

    /**
     * @param count     how many images the source will give: sizes the batches and the progress bar
     * @param shape     the size of the source's images
     * @param trainSize the size of the images in the batches: {@code shape}, or smaller crops of it
     */
    BatchFeeder(Source source, int count, ImageShape shape, ImageShape trainSize, int batchSize,
                AugmentSettings augmentation, boolean channelsFirst, long epochSeed) {
        this.batches = (count + batchSize - 1) / batchSize;
        Augmenter augmenter = augmentation.isIdentity() && trainSize.equals(shape) ? null : new Augmenter(augmentation);
        thread = DaemonThreads.named("batch-feeder").newThread(() -> {
            try {
                SplittableRandom rng = new SplittableRandom(epochSeed);
                Assembler batch = new Assembler(count, shape, trainSize, batchSize, augmenter, channelsFirst, rng);
                source.feed(rng, closed::get, batch);
                batch.flush();
                put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
                queue.offer(END);
            }
        });
        thread.start();
    }

    /** Fills batches image by image, sized so the epoch's last batch holds exactly what is left. */
    private final class Assembler implements Sink {
        private final ImageShape source;
        private final ImageShape shape;
        private final int batchSize;
        private final Augmenter augmenter;
        private final boolean channelsFirst;
        private final SplittableRandom rng;
        private final byte[] warped;
        private int remaining;
        private float[] x;
        private int[] y;
        private int filled;

        Assembler(int count, ImageShape source, ImageShape shape, int batchSize, Augmenter augmenter, boolean channelsFirst,
                  SplittableRandom rng) {
            this.remaining = count;
            this.source = source;
            this.shape = shape;
            this.batchSize = batchSize;
            this.augmenter = augmenter;
            this.channelsFirst = channelsFirst;
            this.rng = rng;
            this.warped = new byte[shape.length()];
        }

        @Override
        public void accept(byte[] pixels, int label) throws InterruptedException {
            if (x == null) {
                int size = Math.max(1, Math.min(batchSize, remaining));
                x = new float[size * shape.length()];
                y = new int[size];
                filled = 0;
            }
            byte[] img = pixels;
            if (augmenter != null) {
                augmenter.apply(img, source, rng.split(), warped, shape);
                img = warped;
            }
            ImagePreprocessor.toUnitFloat(img, shape, x, filled * shape.length(), channelsFirst);
            y[filled++] = label;
            remaining--;
            if (filled == y.length) {
                put(new Batch(x, y, filled));
                x = null;
            }
        }

        /** A source that gave fewer images than announced leaves a short batch: it still trains. */
        void flush() throws InterruptedException {
            if (x != null && filled > 0) {
                put(new Batch(Arrays.copyOf(x, filled * shape.length()), Arrays.copyOf(y, filled), filled));
            }
            x = null;
        }
    }

    /** The dataset in memory, in the epoch's permutation. */
    static Source inMemory(byte[][] pixels, int[] labels) {
        return (rng, stopped, sink) -> {
            int[] order = shuffled(labels.length, rng);
            for (int idx : order) {
                if (stopped.getAsBoolean()) {
                    return;
                }
                sink.accept(pixels[idx], labels[idx]);
            }
        };
    }

    int batches() {
        return batches;
    }

    /** How long the caller of {@link #next} has waited for batches that were not ready: the network idling on data. */
    long waitedMillis() {
        return waitedNanos / 1_000_000;
    }

    private void put(Batch b) throws InterruptedException {
        while (!closed.get() && !queue.offer(b, 200, TimeUnit.MILLISECONDS)) {
            // the trainer is busy with earlier batches; offer again unless closing
        }
    }

    /** The next batch, or null at the end of the epoch. */
    Batch next() throws InterruptedException {
        Batch b = queue.poll();
        if (b == null) {
            long t0 = System.nanoTime();
            b = queue.take();
            waitedNanos += System.nanoTime() - t0;
        }
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

    /**
     * Stops the thread without interrupting it: it sees the flag within a wait of {@link #put} or a poll of a
     * streamed source, and an interrupt would break a Kafka consumer's close.
     */
    @Override
    public void close() {
        closed.set(true);
        queue.clear();
    }
}
