package dev.pixelflow.engine;

import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import dev.pixelflow.common.image.ImageShape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SameDiffEngineTest {
    private static final ImageShape RGB = ImageShape.parse("32x32x3");
    private static final ImageShape GRAY = ImageShape.parse("28x28x1");

    @TempDir
    Path dir;

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    /** A network small enough that a step takes milliseconds, with every layer type. */
    private static NetworkSpec tiny(ImageShape shape, int classes) {
        return new NetworkSpec(shape, classes, List.of(
                LayerSpec.conv(8, 3, "relu"), LayerSpec.maxpool(2),
                LayerSpec.conv(8, 3, "relu"), LayerSpec.maxpool(2),
                LayerSpec.flatten(), LayerSpec.dropout(0.25), LayerSpec.dense(16, "relu")), 11);
    }

    @Test
    void smallVggBuildsWithTheReferenceParameterCount() {
        try (ClassifierEngine engine = Engines.create(NetworkSpec.preset("small-vgg", ImageShape.parse("150x150x3"), 2),
                OptimizerSpec.defaults())) {
            assertThat(engine.parameterCount()).isEqualTo(3_453_121L);
            assertThat(engine.channelsFirst()).isFalse();
        }
    }

    @Test
    void binaryLossFallsOnBrightVersusDark() {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 16, 1);
        try (ClassifierEngine engine = Engines.create(NetworkSpec.preset("small-cnn", RGB, 2),
                new OptimizerSpec("adam", 3e-3))) {
            List<Double> losses = train(engine, data, 16, 15);

            assertThat(losses.get(0)).isBetween(0.3, 1.5); // about ln 2 for an untrained sigmoid
            assertThat(meanOfLast3(losses)).isLessThan(losses.get(0) * 0.6);
            EvalBatch eval = engine.evaluate(data.features, data.labels, 16);
            assertThat(eval.accuracy()).isGreaterThanOrEqualTo(0.9);
            assertThat(eval.probabilities()[0]).hasSize(2);
        }
    }

    @Test
    void tenClassLossFalls() {
        SyntheticImages data = SyntheticImages.batch(GRAY, 10, 20, 2);
        try (ClassifierEngine engine = Engines.create(NetworkSpec.preset("small-cnn", GRAY, 10),
                new OptimizerSpec("adam", 3e-3))) {
            List<Double> losses = train(engine, data, 20, 20);

            assertThat(losses.get(0)).isBetween(2.0, 2.7); // about ln 10
            assertThat(meanOfLast3(losses)).isLessThan(losses.get(0) * 0.8);
            float[][] p = engine.output(data.features, 20);
            assertThat(p).hasNumberOfRows(20);
            for (float[] row : p) {
                assertThat(row).hasSize(10);
                float sum = 0;
                for (float v : row) {
                    sum += v;
                }
                assertThat(sum).isCloseTo(1f, within(1e-4f));
            }
        }
    }

    private static List<Double> train(ClassifierEngine engine, SyntheticImages data, int batch, int steps) {
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            double loss = engine.fit(data.features, data.labels, batch);
            assertThat(loss).isFinite();
            losses.add(loss);
        }
        return losses;
    }

    /** Dropout makes single-step losses noisy. */
    private static double meanOfLast3(List<Double> losses) {
        return losses.subList(losses.size() - 3, losses.size()).stream().mapToDouble(Double::doubleValue).average()
                .orElseThrow();
    }

    @Test
    void outputMatchesAPlainJavaForwardPassOnRepeatedCalls() {
        ImageShape shape = ImageShape.parse("10x10x3");
        NetworkSpec spec = new NetworkSpec(shape, 3, List.of(LayerSpec.conv(4, 3, "relu"), LayerSpec.maxpool(2),
                LayerSpec.flatten(), LayerSpec.dropout(0.5), LayerSpec.dense(6, "relu")), 5);
        try (SameDiffEngine engine = SameDiffEngine.create(spec, OptimizerSpec.of("adam"), SameDiffEngine.Layout.NHWC)) {
            for (int round = 0; round < 4; round++) {
                SyntheticImages data = SyntheticImages.batch(shape, 3, 3, 100 + round % 2);
                if (round == 2) {
                    engine.fit(data.features, data.labels, 3); // weights move; the reference reads them afresh
                }
                float[][] actual = engine.output(data.features, 3);
                float[][] expected = ReferenceForward.run(engine, data.features, 3);
                for (int i = 0; i < 3; i++) {
                    assertThat(actual[i]).as("round %d example %d", round, i).containsExactly(expected[i], within(1e-5f));
                }
            }
        }
    }

    @Test
    void evaluateUsesNoDropoutAndReportsCrossEntropy() {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 8, 3);
        try (ClassifierEngine engine = Engines.create(tiny(RGB, 2), OptimizerSpec.of("adam"))) {
            EvalBatch a = engine.evaluate(data.features, data.labels, 8);
            EvalBatch b = engine.evaluate(data.features, data.labels, 8);
            float[][] out = engine.output(data.features, 8);

            assertThat(b.meanLoss()).isEqualTo(a.meanLoss());
            double bce = 0;
            int correct = 0;
            for (int i = 0; i < 8; i++) {
                assertThat(a.probabilities()[i]).containsExactly(out[i], within(1e-6f));
                double p1 = out[i][1];
                bce += data.labels[i] == 1 ? -Math.log(p1) : -Math.log(1 - p1);
                int predicted = p1 > 0.5 ? 1 : 0;
                assertThat(a.predicted()[i]).isEqualTo(predicted);
                correct += predicted == data.labels[i] ? 1 : 0;
            }
            assertThat(a.meanLoss()).isCloseTo(bce / 8, within(1e-4));
            assertThat(a.correct()).isEqualTo(correct);
        }
    }

    @Test
    void sameSeedGivesTheSameInitialNetwork() {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 4, 4);
        try (ClassifierEngine a = Engines.create(tiny(RGB, 2), OptimizerSpec.defaults());
             ClassifierEngine b = Engines.create(tiny(RGB, 2), OptimizerSpec.defaults());
             ClassifierEngine c = Engines.create(tiny(RGB, 2).withSeed(12), OptimizerSpec.defaults())) {
            float[][] outA = a.output(data.features, 4);

            assertThat(b.output(data.features, 4)).isDeepEqualTo(outA);
            assertThat(c.output(data.features, 4)[0][1]).isNotEqualTo(outA[0][1]);
            // and training is repeatable too: the dropout masks come from the seed and step
            assertThat(a.fit(data.features, data.labels, 4)).isEqualTo(b.fit(data.features, data.labels, 4));
            assertThat(a.fit(data.features, data.labels, 4)).isEqualTo(b.fit(data.features, data.labels, 4));
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs() throws Exception {
        SyntheticImages data = SyntheticImages.batch(GRAY, 3, 6, 5);
        Path file = dir.resolve("models/m.engine");
        try (ClassifierEngine engine = Engines.create(tiny(GRAY, 3), OptimizerSpec.of("adam"))) {
            engine.fit(data.features, data.labels, 6);
            engine.fit(data.features, data.labels, 6);
            engine.save(file, false);
            float[][] before = engine.output(data.features, 6);

            try (ClassifierEngine loaded = Engines.load(file)) {
                assertThat(loaded.output(data.features, 6)).isDeepEqualTo(before);
                assertThat(loaded.spec()).isEqualTo(engine.spec());
                assertThat(loaded.optimizer()).isEqualTo(engine.optimizer());
                assertThat(loaded.parameterCount()).isEqualTo(engine.parameterCount());
            }
        }
        EngineManifest manifest = Engines.manifest(file);
        assertThat(manifest.updaterState()).isFalse();
        assertThat(manifest.steps()).isEqualTo(2);
        assertThat(manifest.network()).isEqualTo(tiny(GRAY, 3));
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void savedOptimizerStateLetsTrainingContinueExactly() throws Exception {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 8, 6);
        Path withState = dir.resolve("with.engine");
        Path withoutState = dir.resolve("without.engine");
        try (ClassifierEngine original = Engines.create(tiny(RGB, 2), OptimizerSpec.of("adam"))) {
            for (int i = 0; i < 3; i++) {
                original.fit(data.features, data.labels, 8);
            }
            original.save(withState, true);
            original.save(withoutState, false);
            assertThat(Files.size(withState)).isGreaterThan(Files.size(withoutState));

            try (ClassifierEngine resumed = Engines.load(withState);
                 ClassifierEngine fresh = Engines.load(withoutState)) {
                assertThat(Engines.manifest(withState).updaterState()).isTrue();
                for (int i = 0; i < 3; i++) {
                    double expected = original.fit(data.features, data.labels, 8);
                    assertThat(resumed.fit(data.features, data.labels, 8)).isCloseTo(expected, within(1e-6));
                    double freshLoss = fresh.fit(data.features, data.labels, 8);
                    if (i > 0) {
                        // Adam restarted from zero moments takes different steps
                        assertThat(freshLoss).isNotCloseTo(expected, within(1e-7));
                    }
                }
                float[][] expected = original.output(data.features, 8);
                float[][] actual = resumed.output(data.features, 8);
                for (int i = 0; i < 8; i++) {
                    assertThat(actual[i]).containsExactly(expected[i], within(1e-5f));
                }
            }
        }
    }

    /**
     * Sessions recycle their arrays call after call (StepArrayPool). An engine reloaded from a file before every
     * call never recycles anything; the long-lived engine, through fits and forward calls of mixed batch sizes,
     * must compute exactly what it computes.
     */
    @Test
    void recycledArraysGiveTheSameTrainingAsFreshOnes() throws Exception {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 8, 9);
        SyntheticImages few = SyntheticImages.batch(RGB, 2, 3, 10);
        Path file = dir.resolve("step.engine");
        try (ClassifierEngine recycling = Engines.create(tiny(RGB, 2), OptimizerSpec.of("adam"))) {
            for (int step = 0; step < 6; step++) {
                recycling.save(file, true);
                double expectedLoss;
                float[][] expectedFew;
                EvalBatch expectedEval;
                try (ClassifierEngine fresh = Engines.load(file)) {
                    expectedLoss = fresh.fit(data.features, data.labels, 8);
                    expectedFew = fresh.output(few.features, 3);
                    expectedEval = fresh.evaluate(data.features, data.labels, 8);
                }
                assertThat(recycling.fit(data.features, data.labels, 8)).as("loss of step %d", step)
                        .isCloseTo(expectedLoss, within(1e-6));
                float[][] actualFew = recycling.output(few.features, 3);
                for (int i = 0; i < 3; i++) {
                    assertThat(actualFew[i]).containsExactly(expectedFew[i], within(1e-6f));
                }
                assertThat(recycling.evaluate(data.features, data.labels, 8).meanLoss())
                        .isCloseTo(expectedEval.meanLoss(), within(1e-6));
            }
        }
    }

    /**
     * From a batch's third call of a kind on, the engine replays the ops SameDiff ran (StepPlan) instead of calling
     * SameDiff. Every step of a long-lived engine, replayed, must compute exactly what a fresh copy of it computes
     * through SameDiff: with dropout masks, batch norm, residual blocks and global pooling, and across a change of
     * batch size (which drops the plans and makes new ones).
     */
    @Test
    void replayedCallsComputeExactlyWhatSameDiffComputes() throws Exception {
        NetworkSpec residual = new NetworkSpec(RGB, 3, List.of(
                LayerSpec.conv(8, 3, 2, LayerSpec.LINEAR), LayerSpec.batchnorm(LayerSpec.RELU),
                LayerSpec.residual(8, 1), LayerSpec.residual(16, 2), LayerSpec.gap(), LayerSpec.dropout(0.1)), 5);
        for (NetworkSpec spec : List.of(tiny(RGB, 2), residual)) {
            Path file = dir.resolve("replay.engine");
            try (SameDiffEngine replaying = (SameDiffEngine) Engines.create(spec,
                    OptimizerSpec.of("adam"))) {
                for (int step = 0; step < 8; step++) {
                    int batch = step == 5 ? 3 : 8;
                    SyntheticImages data = SyntheticImages.batch(RGB, spec.classes(), batch, 20 + step);
                    replaying.save(file, true);
                    double expectedLoss;
                    float[][] expectedOutput;
                    double expectedEval;
                    try (ClassifierEngine fresh = Engines.load(file)) {
                        expectedLoss = fresh.fit(data.features, data.labels, batch);
                        expectedOutput = fresh.output(data.features, batch);
                        expectedEval = fresh.evaluate(data.features, data.labels, batch).meanLoss();
                    }
                    assertThat(replaying.fit(data.features, data.labels, batch)).as("loss of step %d", step)
                            .isEqualTo(expectedLoss);
                    assertThat(replaying.output(data.features, batch)).as("answers after step %d", step)
                            .isEqualTo(expectedOutput);
                    assertThat(replaying.evaluate(data.features, data.labels, batch).meanLoss())
                            .as("evaluation after step %d", step).isEqualTo(expectedEval);
                }
                // A call is recorded once its graph's session has its pool (from the graph's second call on) and
                // replayed from then on until the batch size changes: fit and output at steps 2-4 and 7, evaluate
                // (the forward graph's third call) at steps 1-4 and 7.
                assertThat(replaying.replayedCalls()).isEqualTo(13);
            }
        }
    }

    @Test
    void outputKeepsWorkingWhileAnotherEngineLoads() throws Exception {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 4, 7);
        Path file = dir.resolve("other.engine");
        try (ClassifierEngine other = Engines.create(NetworkSpec.preset("small-cnn", RGB, 2), OptimizerSpec.defaults())) {
            other.save(file, true);
        }
        try (ClassifierEngine serving = Engines.create(tiny(RGB, 2), OptimizerSpec.defaults())) {
            float[][] baseline = serving.output(data.features, 4);
            CompletableFuture<ClassifierEngine> loading = CompletableFuture.supplyAsync(() -> {
                try {
                    ClassifierEngine loaded = Engines.load(file);
                    loaded.output(data.features, 4);
                    return loaded;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            AtomicInteger calls = new AtomicInteger();
            while (!loading.isDone() || calls.get() < 3) {
                assertThat(serving.output(data.features, 4)).isDeepEqualTo(baseline);
                calls.incrementAndGet();
            }
            try (ClassifierEngine loaded = loading.get()) {
                assertThat(loaded.spec().layers()).hasSize(7);
            }
        }
    }

    @Test
    void badInputsAreNamed() {
        try (ClassifierEngine engine = Engines.create(tiny(GRAY, 2), OptimizerSpec.defaults())) {
            assertThatThrownBy(() -> engine.output(new float[10], 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("28x28x1 needs 784");
            assertThatThrownBy(() -> engine.fit(new float[784], new int[]{2}, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 2");
            assertThatThrownBy(() -> engine.fit(new float[784 * 2], new int[]{1}, 2))
                    .hasMessageContaining("labels has 1 entries for a batch of 2");
            engine.close();
            assertThatThrownBy(() -> engine.output(new float[784], 1)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void foreignFilesAreRejectedClearly() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> Engines.load(text))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("not a pixelflow engine file");
        Path truncated = dir.resolve("cut.engine");
        try (ClassifierEngine engine = Engines.create(tiny(GRAY, 2), OptimizerSpec.defaults())) {
            engine.save(truncated, false);
        }
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Engines.load(truncated)).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void runningStatisticsBlendAsNd4jOpsDid() {
        Nd4j.getRandom().setSeed(7);
        INDArray running = Nd4j.rand(DataType.FLOAT, 1, 37);
        INDArray batch = Nd4j.rand(DataType.FLOAT, 37);
        double weight = 0.1 * 512.0 / 511.0;
        INDArray expected = running.dup().muli(0.9).addi(batch.reshape(running.shape()).mul(weight));

        SameDiffEngine.blend(running, batch, weight);

        assertThat(running.toFloatVector()).containsExactly(expected.toFloatVector());
    }
}
