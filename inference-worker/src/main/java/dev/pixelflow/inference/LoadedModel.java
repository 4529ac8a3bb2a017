package dev.pixelflow.inference;

import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.ModelVersion;
import java.util.List;
import java.util.Objects;

/**
 * A model version with its engine, ready to answer. The engine is not thread-safe: {@link #classify} runs only on
 * the {@link EngineThread}, and {@link #close} there too, or once that thread has stopped.
 *
 * @param offset the manifest's offset on {@code models}: larger means published later
 */
public record LoadedModel(ModelVersion manifest, ClassifierEngine engine, long offset) {
    public LoadedModel {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(engine, "engine");
    }

    public String name() {
        return manifest.name();
    }

    public int version() {
        return manifest.version();
    }

    public String ref() {
        return manifest.ref();
    }

    public ImageShape inputShape() {
        return manifest.inputShape();
    }

    public List<String> classNames() {
        return manifest.classNames();
    }

    /** Whether answers average the image's and its mirror image's probabilities unless a request says otherwise. */
    public boolean tta() {
        return manifest.tta();
    }

    /** Class probabilities [batch][classes], in {@link #classNames()} order. */
    public float[][] classify(float[] features, int batch) {
        return engine.output(features, batch);
    }

    /**
     * Class probabilities, where {@code flip[i]} asks for image i the mean of its own and its mirror image's (test-time
     * augmentation). The mirror images ride in the same engine call, after the originals.
     */
    public float[][] classify(float[] features, int batch, boolean[] flip) {
        int extra = 0;
        for (int i = 0; i < batch; i++) {
            extra += flip[i] ? 1 : 0;
        }
        if (extra == 0) {
            return engine.output(features, batch);
        }
        int len = inputShape().length();
        float[] all = java.util.Arrays.copyOf(features, (batch + extra) * len);
        int slot = batch;
        for (int i = 0; i < batch; i++) {
            if (flip[i]) {
                Mirror.horizontal(features, i * len, all, slot++ * len, inputShape(), engine.channelsFirst());
            }
        }
        float[][] p = engine.output(all, batch + extra);
        float[][] out = java.util.Arrays.copyOf(p, batch);
        slot = batch;
        for (int i = 0; i < batch; i++) {
            if (flip[i]) {
                float[] mirrored = p[slot++];
                for (int c = 0; c < out[i].length; c++) {
                    out[i][c] = (out[i][c] + mirrored[c]) / 2;
                }
            }
        }
        return out;
    }

    public void close() {
        engine.close();
    }

    // Identity semantics: two loads of one version are two engines, each closed once.
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return ref();
    }
}
