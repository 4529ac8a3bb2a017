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

    /** Class probabilities [batch][classes], in {@link #classNames()} order. */
    public float[][] classify(float[] features, int batch) {
        return engine.output(features, batch);
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
