package dev.pixelflow.engine;

import dev.pixelflow.common.network.OptimizerSpec;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
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
        assertThatThrownBy(() -> new OptimizerSpec("lbfgs", 0.1)).hasMessageContaining("rmsprop, adam, adamw, sgd");
        assertThatThrownBy(() -> new OptimizerSpec("adam", 1e-3, 0.9, 0, 0, null)).hasMessageContaining("sgd only");
        assertThatThrownBy(() -> OptimizerSpec.of("sgd").withLabelSmoothing(0.5)).hasMessageContaining("label smoothing");
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
        Nesterovs sgd = (Nesterovs) SameDiffEngine.updater(OptimizerSpec.of("sgd"));
        assertThat(sgd.getLearningRate()).isEqualTo(0.1);
        assertThat(sgd.getMomentum()).isEqualTo(0.9);
        assertThat(SameDiffEngine.updater(OptimizerSpec.of("adamw"))).isInstanceOf(Adam.class);
    }
}
