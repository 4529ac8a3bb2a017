package dev.pixelflow.engine;

import dev.pixelflow.common.network.OptimizerSpec;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.RmsProp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptimizerSpecTest {
    @Test
    void defaultsAreTheReferenceRmsprop() {
        assertThat(OptimizerSpec.defaults()).isEqualTo(new OptimizerSpec("rmsprop", 1e-4));
        assertThat(OptimizerSpec.of("ADAM")).isEqualTo(new OptimizerSpec("adam", 1e-3));
    }

    @Test
    void invalidValuesAreRejected() {
        assertThatThrownBy(() -> new OptimizerSpec("sgd", 0.1)).hasMessageContaining("rmsprop or adam");
        assertThatThrownBy(() -> new OptimizerSpec("adam", 0)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> new OptimizerSpec("adam", Double.NaN)).hasMessageContaining("learning rate");
    }

    @Test
    void mapsToNd4jUpdatersWithKerasHyperParameters() {
        RmsProp rms = (RmsProp) SameDiffEngine.updater(OptimizerSpec.defaults());
        assertThat(rms.getLearningRate()).isEqualTo(1e-4);
        assertThat(rms.getRmsDecay()).isEqualTo(0.9);
        Adam adam = (Adam) SameDiffEngine.updater(OptimizerSpec.of("adam"));
        assertThat(adam.getLearningRate()).isEqualTo(1e-3);
        assertThat(adam.getEpsilon()).isEqualTo(1e-7);
    }
}
