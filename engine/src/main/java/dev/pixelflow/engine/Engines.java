package dev.pixelflow.engine;

import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** Creates and loads {@link ClassifierEngine}s; the only place that names an implementation. */
public final class Engines {
    /**
     * NHWC: it matches the preprocessor's HWC pixels, so callers need no transpose, and it measured faster
     * than NCHW here (small-vgg 64x64x3 batch 32 with oneDNN AVX2: fit ~85-95 vs ~72-79 img/s, output
     * ~530-660 vs ~345-370 img/s).
     */
    static final SameDiffEngine.Layout DEFAULT_LAYOUT = SameDiffEngine.Layout.NHWC;

    private Engines() {
    }

    /** A new, untrained engine: weights drawn from the spec's seed. */
    public static ClassifierEngine create(NetworkSpec spec, OptimizerSpec optimizer) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(optimizer, "optimizer");
        initNative();
        return SameDiffEngine.create(spec, optimizer, DEFAULT_LAYOUT);
    }

    /**
     * Rebuilds an engine saved with {@link ClassifierEngine#save}; with updater state, {@code fit} continues
     * with the same optimizer moments. Safe to call on a background thread while other engines serve.
     */
    public static ClassifierEngine load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        initNative();
        EngineArtifact.Contents contents = EngineArtifact.read(file);
        EngineManifest m = contents.manifest();
        if (!SameDiffEngine.ENGINE_NAME.equals(m.engine())) {
            throw new IOException(file + ": engine '" + m.engine() + "' is not supported (only "
                    + SameDiffEngine.ENGINE_NAME + ")");
        }
        SameDiffEngine.Layout layout = m.channelsFirst() ? SameDiffEngine.Layout.NCHW : SameDiffEngine.Layout.NHWC;
        try {
            return SameDiffEngine.restore(m.network(), m.optimizer(), layout, contents.weights(), contents.updater(),
                    m.steps());
        } catch (IllegalStateException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Bytes of native memory the engine may allocate in this process (JavaCPP's {@code maxbytes}, which the launcher
     * sets per role); 0 when there is no limit.
     */
    public static long nativeMemoryLimit() {
        return Math.max(0, org.bytedeco.javacpp.Pointer.maxBytes());
    }

    /** The manifest of a saved engine, without loading its weights. */
    public static EngineManifest manifest(Path file) throws IOException {
        return EngineArtifact.readManifest(file);
    }

    private static void initNative() {
        NativeBackend.configure();
        NativeBackend.logOnce();
    }
}
