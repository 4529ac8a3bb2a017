package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pixelflow.common.message.Json;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Versions already in users' {@code models} topics must keep answering exactly as they did. The artifacts under
 * {@code legacy/} were written by the 0.1 engine (three training steps on {@link SyntheticImages}, small-vgg without
 * and small-cnn with optimizer state), beside the probabilities that engine gave for a fixed probe batch, on an
 * AVX-512 machine. They are compared to 1e-6: oneDNN's AVX2 kernels sum in another order than its AVX-512 ones, which
 * moves the last bit or two of a float (0.45270395 against 0.452704 on 2 AVX2 cores, 2026-12-07); a changed network
 * or preprocessing moves them by far more.
 */
class LegacyArtifactTest {

    @ParameterizedTest
    @ValueSource(strings = {"small-vgg-64x64x3", "small-cnn-28x28x1"})
    void anArtifactWrittenBySmallVggOrSmallCnnInReleaseZeroPointOneAnswersAsItDid(String name, @TempDir Path dir)
            throws Exception {
        Path file = dir.resolve(name + ".pfe");
        try (InputStream in = getClass().getResourceAsStream("/legacy/" + name + ".pfe")) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        float[][] expected;
        try (InputStream in = getClass().getResourceAsStream("/legacy/" + name + ".expected.json")) {
            expected = Json.MAPPER.readValue(in, float[][].class);
        }

        try (ClassifierEngine engine = Engines.load(file)) {
            SyntheticImages probe = SyntheticImages.batch(engine.spec().input(), engine.spec().classes(), expected.length, 7);
            float[][] actual = engine.output(probe.features, expected.length);

            assertThat(actual).hasDimensions(expected.length, expected[0].length);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("answer %d", i).containsExactly(expected[i], within(1e-6f));
            }
        }
    }
}
