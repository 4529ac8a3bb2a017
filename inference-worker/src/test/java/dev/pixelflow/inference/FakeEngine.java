package dev.pixelflow.inference;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.EvalBatch;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ModelVersion;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An engine without ND4J: class 0's probability is the mean feature, so a brighter image leans to class 0. */
final class FakeEngine implements ClassifierEngine {
    static final ImageShape SHAPE = new ImageShape(8, 8, 3);
    private final NetworkSpec spec;
    final List<Integer> batchSizes = new ArrayList<>();
    boolean closed;

    FakeEngine(int classes) {
        spec = new NetworkSpec(SHAPE, classes, List.of(LayerSpec.flatten()), 1);
    }

    static ModelVersion manifest(String name, int version, List<String> classes) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, name, version, Instant.EPOCH, "job", "samediff", "{}", Map.of(), 1,
                List.of(), classes, SHAPE, ImagePreprocessor.fingerprint(SHAPE), "0".repeat(64), 1, 1);
    }

    static LoadedModel model(String name, int version, long offset) {
        return new LoadedModel(manifest(name, version, List.of("cat", "dog")), new FakeEngine(2), offset);
    }

    @Override
    public NetworkSpec spec() {
        return spec;
    }

    @Override
    public OptimizerSpec optimizer() {
        return OptimizerSpec.defaults();
    }

    @Override
    public long parameterCount() {
        return spec.parameterCount();
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize) {
        throw new UnsupportedOperationException();
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize, double learningRate) {
        return fit(features, labels, batchSize);
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize, double learningRate,
                      dev.pixelflow.common.image.ImageShape shape) {
        return fit(features, labels, batchSize);
    }

    @Override
    public float[][] output(float[] features, int batchSize) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        batchSizes.add(batchSize);
        int len = features.length / batchSize;
        float[][] out = new float[batchSize][spec.classes()];
        for (int b = 0; b < batchSize; b++) {
            double sum = 0;
            for (int i = 0; i < len; i++) {
                sum += features[b * len + i];
            }
            float p = (float) (sum / len);
            out[b][0] = p;
            for (int c = 1; c < spec.classes(); c++) {
                out[b][c] = (1 - p) / (spec.classes() - 1);
            }
        }
        return out;
    }

    @Override
    public EvalBatch evaluate(float[] features, int[] labels, int batchSize) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean channelsFirst() {
        return false;
    }

    @Override
    public void save(Path file, boolean withUpdaterState) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        closed = true;
    }
}
