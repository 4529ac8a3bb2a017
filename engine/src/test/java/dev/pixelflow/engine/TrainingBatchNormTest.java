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

class TrainingBatchNormTest {
    private static final int[] NHWC_AXES = {0, 1, 2};
    private static final int[] NCHW_AXES = {0, 2, 3};

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    @Test
    void channelsLastHasTheGradientsOfBatchNormalisationWrittenOut() {
        assertSameGradients(new long[]{4, 5, 5, 3}, NHWC_AXES, 3, false);
    }

    @Test
    void channelsFirstHasTheGradientsOfBatchNormalisationWrittenOut() {
        assertSameGradients(new long[]{4, 3, 5, 5}, NCHW_AXES, 1, false);
    }

    @Test
    void aFusedReluHasTheGradientsOfBatchNormalisationAndReluWrittenOut() {
        assertSameGradients(new long[]{4, 5, 5, 3}, NHWC_AXES, 3, true);
    }

    @Test
    void outputsTheBatchMeanAndBiasedVariance() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 4, 4, 3).muli(5).subi(1);
        SameDiff sd = SameDiff.create();
        TrainableOps.install();
        SDVariable[] out = TrainingBatchNorm.apply(sd, sd.var("x", x), sd.var("gamma", Nd4j.ones(DataType.FLOAT, 3)),
                sd.var("beta", Nd4j.zeros(DataType.FLOAT, 3)), 1e-5, true, false);
        Map<String, INDArray> got = sd.output(Map.of(), out[1].name(), out[2].name());

        assertThat(got.get(out[1].name()).equalsWithEps(x.mean(NHWC_AXES), 1e-5)).isTrue();
        assertThat(got.get(out[2].name()).equalsWithEps(x.var(false, NHWC_AXES), 1e-4)).isTrue();
    }

    private static void assertSameGradients(long[] shape, int[] axes, int channelAxis, boolean relu) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, shape).muli(3).addi(1);
        INDArray weights = Nd4j.rand(DataType.FLOAT, shape);

        Map<String, INDArray> written = gradients(x, weights, axes, channelAxis, relu, false);
        Map<String, INDArray> onednn = gradients(x, weights, axes, channelAxis, relu, true);

        for (String v : new String[]{"x", "gamma", "beta"}) {
            assertThat(onednn.get(v).equalsWithEps(written.get(v), 1e-4)).as(v + ": " + onednn.get(v) + " vs " + written.get(v))
                    .isTrue();
        }
    }

    private static Map<String, INDArray> gradients(INDArray xv, INDArray wv, int[] axes, int channelAxis, boolean relu,
                                                   boolean onednn) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv.dup());
        SDVariable w = sd.constant("w", wv.dup());
        SDVariable gamma = sd.var("gamma", Nd4j.createFromArray(1.5f, 0.5f, 2f));
        SDVariable beta = sd.var("beta", Nd4j.createFromArray(0.1f, 0.2f, 0.3f));
        SDVariable y;
        if (onednn) {
            TrainableOps.install();
            y = TrainingBatchNorm.apply(sd, x, gamma, beta, 1e-5, channelAxis == 3, relu)[0];
        } else {
            long[] perChannel = {1, 1, 1, 1};
            perChannel[channelAxis] = 3;
            SDVariable mean = x.mean(true, axes);
            SDVariable centred = x.sub(mean);
            SDVariable var = centred.mul(centred).mean(true, axes);
            y = centred.mul(sd.math().rsqrt(var.add(1e-5))).mul(gamma.reshape(perChannel)).add(beta.reshape(perChannel));
            y = relu ? sd.nn().relu(y, 0) : y;
        }
        y.mul(w).sum().rename("loss");
        sd.setLossVariables("loss");
        return sd.calculateGradients(Map.of(), "x", "gamma", "beta");
    }
}
