package dev.pixelflow.engine;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The seam between pixelflow and the deep-learning library: the trainer and the inference worker see only
 * this. Create one with {@link Engines#create} or {@link Engines#load}.
 *
 * <p>Features are float pixels in [0, 1], batch-major, in the layout {@link #channelsFirst()} names
 * (NCHW when true, NHWC when false). Labels are class indices 0..classes-1.
 *
 * <p><b>Threads:</b> an instance is not thread-safe; use it from one thread at a time (the inference worker
 * serialises calls on a model). Separate instances are independent: one may be created, loaded or trained
 * while another answers {@link #output}. The implementation keeps working memory per calling thread, so a
 * long-lived engine is best called from a small, fixed set of threads. {@link #close} frees the native
 * memory at once and must not race with a call in progress.
 */
public interface ClassifierEngine extends AutoCloseable {

    NetworkSpec spec();

    OptimizerSpec optimizer();

    long parameterCount();

    /**
     * One training step on a batch (dropout on, batch normalisation on batch statistics) at the optimizer's base
     * learning rate; returns the batch's mean loss before the update.
     */
    double fit(float[] features, int[] labels, int batchSize);

    /** One training step at {@code learningRate}, the rate the optimizer's schedule gives for this step. */
    double fit(float[] features, int[] labels, int batchSize, double learningRate);

    /**
     * One training step on images of {@code shape}: the network's input size, or any size its downsampling allows
     * when {@link NetworkSpec#takesAnySize()} (a recipe training on crops smaller than the images it answers for).
     */
    double fit(float[] features, int[] labels, int batchSize, double learningRate, ImageShape shape);

    /** Class probabilities [batch][classes]; for two classes {@code [1 - p, p]} from the sigmoid. */
    float[][] output(float[] features, int batchSize);

    /** Mean loss and predictions on a batch without updating (dropout off). */
    EvalBatch evaluate(float[] features, int[] labels, int batchSize);

    /** The layout this engine wants its features in: true for NCHW, false for NHWC. */
    boolean channelsFirst();

    /**
     * Writes one self-contained file from which {@link Engines#load} rebuilds this engine. With updater state
     * (optimizer moments), training can continue exactly where it stopped; without it the file is smaller
     * and suits inference. The write is atomic: readers see the old file or the complete new one.
     */
    void save(Path file, boolean withUpdaterState) throws IOException;

    @Override
    void close();
}
