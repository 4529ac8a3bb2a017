package dev.pixelflow.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
    private static final byte[] IMG = {1};

    @Test
    void countsRowsTrueAndColumnsPredicted() {
        List<Prediction> predictions = List.of(p("cat", "cat"), p("cat", "cat"), p("cat", "dog"), p("dog", "dog"),
                p("bird", "cat"));

        ConfusionMatrix m = ConfusionMatrix.of(List.of("cat", "dog"), predictions);

        // A label the model does not know is appended, not dropped.
        assertThat(m.classes()).containsExactly("cat", "dog", "bird");
        assertThat(m.count(0, 0)).isEqualTo(2);
        assertThat(m.count(0, 1)).isEqualTo(1);
        assertThat(m.count(2, 0)).isEqualTo(1);
        assertThat(m.total()).isEqualTo(5);
        assertThat(m.correct()).isEqualTo(3);
        assertThat(m.accuracy()).isCloseTo(0.6, within(1e-9));
        assertThat(m.precision(0)).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(m.recall(0)).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(m.precision(1)).isCloseTo(0.5, within(1e-9));
        assertThat(m.recall(1)).isEqualTo(1.0);
        // Never predicted: precision undefined, not zero.
        assertThat(m.precision(2)).isNaN();
        assertThat(m.recall(2)).isZero();
        assertThat(m.f1(2)).isNaN();
    }

    @Test
    void emptyHasNoAccuracy() {
        ConfusionMatrix m = ConfusionMatrix.of(List.of("a", "b"), List.of());
        assertThat(m.accuracy()).isNaN();
        assertThat(m.recall(0)).isNaN();
    }

    private static Prediction p(String truth, String predicted) {
        return new Prediction("x", IMG, truth, predicted, 0.5);
    }
}
