package dev.pixelflow.inference;

import dev.pixelflow.common.message.ModelVersion;

/** Turns a verified manifest and artifact into a servable model; a seam so tests can load fakes. */
@FunctionalInterface
public interface ModelLoader {
    LoadedModel load(ModelVersion manifest, byte[] artifact, long offset) throws ModelLoadException;
}
