package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.imaging.ImagePreprocessor;
import java.time.Instant;
import java.util.Map;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TestTimeAugmentationTest {
    private static final ImageShape SHAPE = ImageShape.parse("8x6x3");

    @Test
    void aFlippedAnswerIsTheMeanOfTheImagesAndItsMirrorImagesSinglePasses() {
        NetworkSpec spec = new NetworkSpec(SHAPE, 3, List.of(LayerSpec.conv(4, 3, 1, LayerSpec.RELU), LayerSpec.flatten()), 9);
        try (ClassifierEngine engine = Engines.create(spec, OptimizerSpec.defaults())) {
            ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, "m", 1, Instant.EPOCH, "job", "samediff",
                    "{\"tta\":true}", Map.of(), 1, List.of(), List.of("a", "b", "c"), SHAPE,
                    ImagePreprocessor.fingerprint(SHAPE), "0".repeat(64), 1, 1);
            LoadedModel model = new LoadedModel(manifest, engine, 0);
            assertThat(model.tta()).isTrue();
            int n = 3;
            int len = SHAPE.length();
            float[] x = new float[n * len];
            SplittableRandom random = new SplittableRandom(4);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble();
            }
            float[] mirrored = new float[x.length];
            for (int i = 0; i < n; i++) {
                Mirror.horizontal(x, i * len, mirrored, i * len, SHAPE, engine.channelsFirst());
            }
            float[][] plain = engine.output(x, n);
            float[][] flipped = engine.output(mirrored, n);

            float[][] answered = model.classify(x, n, new boolean[] {true, false, true});

            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    float expected = i == 1 ? plain[i][c] : (plain[i][c] + flipped[i][c]) / 2;
                    assertThat(answered[i][c]).as("image %d class %d", i, c).isCloseTo(expected, within(1e-6f));
                }
            }
            assertThat(plain[0][0]).isNotEqualTo(flipped[0][0]); // the mirror image is another input
        }
    }

    @Test
    void theMirrorOfTheMirrorIsTheImage() {
        float[] x = new float[SHAPE.length()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        for (boolean nchw : new boolean[] {false, true}) {
            float[] once = new float[x.length];
            float[] twice = new float[x.length];
            Mirror.horizontal(x, 0, once, 0, SHAPE, nchw);
            Mirror.horizontal(once, 0, twice, 0, SHAPE, nchw);
            assertThat(twice).containsExactly(x);
            assertThat(once).isNotEqualTo(x);
        }
    }
}
