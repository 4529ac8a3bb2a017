package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainingReluTest {

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
        TrainableOps.install();
    }

    @Test
    void answersAndGradientsEqualSameDiffsOwnRelu() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6, 6, 5).subi(0.5);
        INDArray weights = Nd4j.rand(DataType.FLOAT, 4, 6, 6, 5);

        Map<String, INDArray> own = run(x, weights, true);
        Map<String, INDArray> sameDiffs = run(x, weights, false);

        assertThat(own.get("y")).isEqualTo(sameDiffs.get("y"));
        assertThat(own.get("x")).isEqualTo(sameDiffs.get("x"));
        assertThat(own.get("x").sumNumber().doubleValue()).as("some gradient passes").isNotZero();
        assertThat(own.get("x").eq(0).castTo(DataType.FLOAT).sumNumber().doubleValue()).as("negative inputs pass none").isPositive();
    }

    private static Map<String, INDArray> run(INDArray xv, INDArray wv, boolean own) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv.dup());
        SDVariable w = sd.constant("w", wv.dup());
        SDVariable y = (own ? TrainingRelu.apply(sd, x) : sd.nn().relu(x, 0.0)).rename("y");
        y.mul(w).sum().rename("loss");
        sd.setLossVariables("loss");
        INDArray out = sd.output(Map.of(), "y").get("y");
        return Map.of("y", out, "x", sd.calculateGradients(Map.of(), "x").get("x"));
    }
}
