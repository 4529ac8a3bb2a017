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

/**
 * Answering convolutions that pass activations in blocks of 8 channels (the answering branch on AVX2 machines) answer
 * as the same convolutions in NHWC: a first convolution, a residual one and a strided one, on any machine.
 */
class RelayoutTest {
    private static final int NHWC = Dnnl.NHWC;
    private static final int BLOCKS = 8;

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
        TrainableOps.install();
    }

    @Test
    void blockedConvolutionsAnswerAsNhwcOnes() {
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 9, 9, 3);
        INDArray w1 = Nd4j.randn(DataType.FLOAT, 3, 3, 3, 8);
        INDArray w2 = Nd4j.randn(DataType.FLOAT, 3, 3, 8, 8);
        INDArray w3 = Nd4j.randn(DataType.FLOAT, 3, 3, 8, 16);
        INDArray b1 = Nd4j.randn(DataType.FLOAT, 8);
        INDArray b2 = Nd4j.randn(DataType.FLOAT, 8);
        INDArray b3 = Nd4j.randn(DataType.FLOAT, 16);

        INDArray nhwc = answer(x, w1, b1, w2, b2, w3, b3, false);
        INDArray blocked = answer(x, w1, b1, w2, b2, w3, b3, true);

        assertThat(blocked.shape()).containsExactly(2, 5, 5, 16);
        assertThat(nhwc.minNumber().doubleValue()).isZero(); // the ReLUs cut something
        assertThat(blocked.equalsWithEps(nhwc, 1e-4)).as(blocked + " vs " + nhwc).isTrue();
    }

    @Test
    void aRoundTripGivesTheArrayBack() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 4, 16);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.var("x", x.dup());
        SDVariable there = Relayout.apply(sd, in, NHWC, BLOCKS);
        Relayout.apply(sd, there, BLOCKS, NHWC).rename("back");
        there.rename("there");
        Map<String, INDArray> out = sd.output(Map.of(), "there", "back");

        assertThat(out.get("there")).isNotEqualTo(x); // the values moved
        assertThat(out.get("back")).isEqualTo(x);
    }

    private static INDArray answer(INDArray xv, INDArray w1, INDArray b1, INDArray w2, INDArray b2, INDArray w3,
                                   INDArray b3, boolean blocked) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv.dup());
        int[] plain = {NHWC, NHWC, NHWC};
        int[] inBlocks = blocked ? new int[]{BLOCKS, BLOCKS, BLOCKS} : plain;
        SDVariable h = AnsweringConv.apply(sd, x, sd.constant(w1), sd.constant(b1), null, 3, 1, true, true, plain);
        if (blocked) {
            h = Relayout.apply(sd, h, NHWC, BLOCKS);
        }
        SDVariable r = AnsweringConv.apply(sd, h, sd.constant(w2), sd.constant(b2), h, 3, 1, true, true, inBlocks);
        SDVariable y = AnsweringConv.apply(sd, r, sd.constant(w3), sd.constant(b3), null, 3, 2, true, true, inBlocks);
        if (blocked) {
            y = Relayout.apply(sd, y, BLOCKS, NHWC);
        }
        y.rename("y");
        return sd.output(Map.of(), "y").get("y");
    }
}
