package dev.pixelflow.inference;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a model with {@link Engines#load}, after refusing what would answer wrongly: a version whose
 * preprocessing fingerprint differs from this build's for its input shape (its images were prepared
 * differently), or whose engine disagrees with its manifest about input shape or classes.
 */
public final class EngineModelLoader implements ModelLoader {

    @Override
    public LoadedModel load(ModelVersion manifest, byte[] artifact, long offset) throws ModelLoadException {
        checkFingerprint(manifest);
        Path file;
        try {
            // Engines.load reads a file; the artifact lives only in memory once assembled from the topic.
            file = Files.createTempFile("pixelflow-model-" + manifest.name() + "-" + manifest.version() + "-", ".engine");
        } catch (IOException e) {
            throw new ModelLoadException("cannot create a temp file for " + manifest.ref() + ": " + e.getMessage(), e);
        }
        try {
            Files.write(file, artifact);
            ClassifierEngine engine = Engines.load(file);
            try {
                checkEngine(manifest, engine.spec());
            } catch (ModelLoadException e) {
                engine.close();
                throw e;
            }
            return new LoadedModel(manifest, engine, offset);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot load " + manifest.ref() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }

    static void checkFingerprint(ModelVersion manifest) throws ModelLoadException {
        PreprocessFingerprint ours = ImagePreprocessor.fingerprint(manifest.inputShape());
        if (!ours.equals(manifest.fingerprint())) {
            throw new ModelLoadException(manifest.ref() + " was trained on images preprocessed as " + manifest.fingerprint()
                    + " but this worker prepares " + manifest.inputShape() + " as " + ours
                    + "; retrain it with this version's ingest worker");
        }
    }

    static void checkEngine(ModelVersion manifest, NetworkSpec spec) throws ModelLoadException {
        if (!spec.input().equals(manifest.inputShape())) {
            throw new ModelLoadException(manifest.ref() + ": engine takes " + spec.input() + " but the manifest says "
                    + manifest.inputShape());
        }
        if (spec.classes() != manifest.classNames().size()) {
            throw new ModelLoadException(manifest.ref() + ": engine has " + spec.classes() + " classes but the manifest names "
                    + manifest.classNames().size());
        }
    }
}
