package dev.pixelflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOnOneToAHundred() {
        double[] samples = new double[100];
        for (int i = 0; i < 100; i++) {
            samples[i] = 100 - i; // unsorted on purpose
        }
        assertThat(Percentiles.of(samples, 50)).isEqualTo(50);
        assertThat(Percentiles.of(samples, 99)).isEqualTo(99);
        assertThat(Percentiles.of(samples, 100)).isEqualTo(100);
        assertThat(Percentiles.of(samples, 0.1)).isEqualTo(1);
        assertThat(samples[0]).as("input is not reordered").isEqualTo(100);
    }

    @Test
    void smallSamplesRoundTheRankUp() {
        assertThat(Percentiles.of(new double[] {7}, 50)).isEqualTo(7);
        assertThat(Percentiles.of(new double[] {3, 1, 2}, 50)).isEqualTo(2);
        assertThat(Percentiles.of(new double[] {3, 1, 2}, 99)).isEqualTo(3);
        assertThat(Percentiles.of(new double[] {10, 20, 30, 40}, 50)).isEqualTo(20);
    }

    @Test
    void noSamplesIsNotANumberAndABadPercentileIsRefused() {
        assertThat(Percentiles.of(new double[0], 99)).isNaN();
        assertThat(Percentiles.mean()).isNaN();
        assertThat(Percentiles.mean(1, 2, 6)).isEqualTo(3);
        assertThatThrownBy(() -> Percentiles.of(new double[] {1}, 0)).hasMessageContaining("(0, 100]");
        assertThatThrownBy(() -> Percentiles.of(new double[] {1}, 101)).hasMessageContaining("(0, 100]");
    }
}
