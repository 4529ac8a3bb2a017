package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainingAddReluTest {
    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
        TrainableOps.install();
    }

    @Test
    void answersAndGradientsEqualAnAddAndAReluWrittenOut() {
        Nd4j.getRandom().setSeed(5);
        INDArray a = Nd4j.randn(DataType.FLOAT, 3, 4, 4, 5);
        INDArray b = Nd4j.randn(DataType.FLOAT, 3, 4, 4, 5);
        INDArray lossWeights = Nd4j.rand(DataType.FLOAT, 3, 4, 4, 5);

        Map<String, INDArray> reference = run(a, b, lossWeights, false);
        Map<String, INDArray> onednn = run(a, b, lossWeights, true);

        assertThat(reference.get("y").minNumber().doubleValue()).isZero(); // some sums are negative: ReLU cuts them
        for (String v : new String[]{"y", "a", "b"}) {
            assertThat(onednn.get(v).equalsWithEps(reference.get(v), 1e-5)).as(v + ": " + onednn.get(v) + " vs "
                    + reference.get(v)).isTrue();
        }
    }

    private static Map<String, INDArray> run(INDArray av, INDArray bv, INDArray lossWeights, boolean onednn) {
        SameDiff sd = SameDiff.create();
        SDVariable a = sd.var("a", av.dup());
        SDVariable b = sd.var("b", bv.dup());
        SDVariable y = onednn ? TrainingAddRelu.apply(sd, a, b) : sd.nn().relu(a.add(b), 0);
        y.rename("y");
        y.mul(sd.constant("lossWeights", lossWeights)).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> result = new HashMap<>(sd.calculateGradients(Map.of(), "a", "b"));
        result.put("y", sd.output(Map.of(), "y").get("y"));
        return result;
    }
}
