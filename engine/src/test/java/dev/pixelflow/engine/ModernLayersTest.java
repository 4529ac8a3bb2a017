package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.LrSchedule;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch normalisation, residual blocks, global pooling, strided convolutions and the modern training rules. */
class ModernLayersTest {
    private static final ImageShape RGB = ImageShape.parse("16x16x3");

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    /** Every new layer type, small enough that a step takes milliseconds. */
    private static NetworkSpec tinyResnet(int classes) {
        return new NetworkSpec(RGB, classes, List.of(
                LayerSpec.conv(8, 3, 2, LayerSpec.LINEAR), LayerSpec.batchnorm(LayerSpec.RELU),
                LayerSpec.residual(8, 1), LayerSpec.residual(16, 2),
                LayerSpec.gap(), LayerSpec.dropout(0.1)), 5);
    }

    private static final OptimizerSpec SGD = new OptimizerSpec(OptimizerSpec.SGD, 0.05).withWeightDecay(5e-4)
            .withLabelSmoothing(0.1).withSchedule(LrSchedule.cosine(1));

    @Test
    void theGraphHasTheParametersTheSpecCounts() {
        try (ClassifierEngine engine = Engines.create(tinyResnet(10), SGD)) {
            // stem 3*3*3*8+8, bn 16; block 8->8: 576+16+576+16; block 8->16 s2: 1152+32+2304+32 + proj 128+32; out 170
            assertThat(engine.parameterCount()).isEqualTo(224 + 16 + 1184 + 3680 + 170);
        }
    }

    @Test
    void aResidualNetworkLearnsAndItsRunningStatisticsMoveWithTraining() {
        SyntheticImages data = SyntheticImages.batch(RGB, 4, 16, 3);
        try (ClassifierEngine engine = Engines.create(tinyResnet(4), SGD)) {
            float[][] before = engine.output(data.features, 16);
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                losses.add(engine.fit(data.features, data.labels, 16, SGD.rateAt(step / 10.0, 3)));
            }
            assertThat(losses.get(0)).isBetween(1.0, 2.0); // about ln 4
            assertThat(losses.subList(27, 30)).allSatisfy(l -> assertThat(l).isLessThan(losses.get(0) * 0.7));
            assertThat(engine.evaluate(data.features, data.labels, 16).accuracy()).isGreaterThanOrEqualTo(0.9);
            assertThat(engine.output(data.features, 16)[0][0]).isNotEqualTo(before[0][0]);
        }
    }

    @Test
    void aPooledNetworkTrainsOnSmallerCropsAndAnswersAtItsInputSize() {
        ImageShape crop = ImageShape.parse("12x12x3");
        SyntheticImages small = SyntheticImages.batch(crop, 4, 16, 3);
        SyntheticImages full = SyntheticImages.batch(RGB, 4, 16, 3);
        try (ClassifierEngine engine = Engines.create(tinyResnet(4), SGD)) {
            float[][] before = engine.output(full.features, 16);
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                losses.add(engine.fit(small.features, small.labels, 16, SGD.rateAt(step / 10.0, 3), crop));
            }
            assertThat(losses.subList(27, 30)).allSatisfy(l -> assertThat(l).isLessThan(losses.get(0) * 0.7));
            // Steps at the full size still work after the crops, and answers come at the full size.
            engine.fit(full.features, full.labels, 16, 0.01);
            assertThat(engine.output(full.features, 16)).hasNumberOfRows(16);
            assertThat(engine.output(full.features, 16)[0][0]).isNotEqualTo(before[0][0]);
        }
    }

    @Test
    void aFlattenedNetworkRefusesAnotherSizeWithTheReason() {
        NetworkSpec flat = NetworkSpec.preset("small-cnn", ImageShape.parse("28x28x1"), 10);
        ImageShape other = ImageShape.parse("24x24x1");
        try (ClassifierEngine engine = Engines.create(flat, OptimizerSpec.defaults())) {
            float[] x = new float[4 * other.length()];
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.fit(x, new int[4], 4, 0.001, other))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("takes only 28x28x1 images");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tinyResnet(2).atInput(ImageShape.parse("2x2x3")))
                .hasMessageContaining("too small");
    }

    @Test
    void runningStatisticsSurviveSaveAndReload(@TempDir Path dir) throws Exception {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 8, 4);
        Path file = dir.resolve("bn.pfe");
        float[][] expected;
        try (ClassifierEngine engine = Engines.create(tinyResnet(2), SGD)) {
            for (int step = 0; step < 5; step++) {
                engine.fit(data.features, data.labels, 8, 0.05);
            }
            expected = engine.output(data.features, 8);
            engine.save(file, false);
        }
        try (ClassifierEngine loaded = Engines.load(file)) {
            assertThat(loaded.output(data.features, 8)).isDeepEqualTo(expected);
        }
    }

    @Test
    void aScheduledJobResumedFromASaveTakesTheSameStepsAsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        SyntheticImages data = SyntheticImages.batch(RGB, 3, 12, 5);
        int steps = 8;
        List<Double> straight = new ArrayList<>();
        try (ClassifierEngine engine = Engines.create(tinyResnet(3), SGD)) {
            for (int step = 0; step < steps; step++) {
                straight.add(engine.fit(data.features, data.labels, 12, SGD.rateAt(step / 4.0, 2)));
            }
        }
        List<Double> resumed = new ArrayList<>();
        Path file = dir.resolve("half.pfe");
        try (ClassifierEngine engine = Engines.create(tinyResnet(3), SGD)) {
            for (int step = 0; step < steps / 2; step++) {
                resumed.add(engine.fit(data.features, data.labels, 12, SGD.rateAt(step / 4.0, 2)));
            }
            engine.save(file, true);
        }
        try (ClassifierEngine engine = Engines.load(file)) {
            for (int step = steps / 2; step < steps; step++) {
                resumed.add(engine.fit(data.features, data.labels, 12, SGD.rateAt(step / 4.0, 2)));
            }
        }
        assertThat(resumed).isEqualTo(straight);
    }

    @Test
    void decoupledWeightDecayShrinksWeightsButNotBiasesOrBatchNormParameters() {
        NetworkSpec spec = tinyResnet(2);
        OptimizerSpec decayOnly = new OptimizerSpec(OptimizerSpec.SGD, 0.5, 0, 0.1, 0, null);
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 4, 6);
        try (SameDiffEngine plain = SameDiffEngine.create(spec, decayOnly.withWeightDecay(0), SameDiffEngine.Layout.NHWC);
             SameDiffEngine decayed = SameDiffEngine.create(spec, decayOnly, SameDiffEngine.Layout.NHWC)) {
            plain.fit(data.features, data.labels, 4);
            decayed.fit(data.features, data.labels, 4);
            // Plain SGD: w' = w - lr g; with decay: w' = w (1 - lr wd) - lr g, so the difference is lr wd w.
            float w0 = initial(spec, "conv0_W");
            assertThat(plain.variable("conv0_W").getFloat(0) - decayed.variable("conv0_W").getFloat(0))
                    .isCloseTo((float) (0.5 * 0.1 * w0), within(1e-6f));
            assertThat(decayed.variable("conv0_b").getFloat(0)).isEqualTo(plain.variable("conv0_b").getFloat(0));
            assertThat(decayed.variable("batchnorm1_gamma").getFloat(0))
                    .isEqualTo(plain.variable("batchnorm1_gamma").getFloat(0));
        }
    }

    @Test
    void labelSmoothingRaisesTheLossOfAConfidentNetwork() {
        SyntheticImages data = SyntheticImages.batch(RGB, 2, 8, 7);
        OptimizerSpec sharp = new OptimizerSpec(OptimizerSpec.ADAMW, 1e-3);
        double plain;
        double smoothed;
        try (ClassifierEngine engine = Engines.create(tinyResnet(2), sharp)) {
            plain = engine.fit(data.features, data.labels, 8);
        }
        try (ClassifierEngine engine = Engines.create(tinyResnet(2), sharp.withLabelSmoothing(0.2))) {
            smoothed = engine.fit(data.features, data.labels, 8);
        }
        assertThat(smoothed).isNotEqualTo(plain);
    }

    private static float initial(NetworkSpec spec, String variable) {
        try (SameDiffEngine fresh = SameDiffEngine.create(spec, OptimizerSpec.defaults(), SameDiffEngine.Layout.NHWC)) {
            return fresh.variable(variable).getFloat(0);
        }
    }
}
