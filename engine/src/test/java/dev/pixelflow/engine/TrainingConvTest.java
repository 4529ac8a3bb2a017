package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

class TrainingConvTest {
    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
        TrainableOps.install();
    }

    @ParameterizedTest(name = "{0}x{0}x{1} -> {2}, kernel {3}, stride {4}, same {5}, bias {6}")
    @CsvSource({
            "8, 3, 4, 3, 1, true, true",
            "9, 4, 5, 3, 2, true, false", // odd input, stride 2: the extra padding row goes below
            "8, 4, 6, 3, 2, true, true",
            "8, 4, 6, 1, 2, true, false", // a projection shortcut
            "7, 2, 3, 3, 1, false, true"})
    void answersAndGradientsEqualLibnd4jsConvolution(int size, int in, int out, int kernel, int stride, boolean same,
                                                     boolean bias) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, size, size, in);
        INDArray w = Nd4j.randn(DataType.FLOAT, kernel, kernel, in, out);
        INDArray b = bias ? Nd4j.randn(DataType.FLOAT, out) : null;
        long outSize = same ? (size + stride - 1) / stride : (size - kernel) / stride + 1;
        INDArray lossWeights = Nd4j.rand(DataType.FLOAT, 2, outSize, outSize, out); // weighs every output differently

        Map<String, INDArray> reference = run(x, w, b, lossWeights, kernel, stride, same, false, true);
        Map<String, INDArray> onednn = run(x, w, b, lossWeights, kernel, stride, same, true, true);

        for (String v : bias ? new String[]{"y", "x", "w", "b"} : new String[]{"y", "x", "w"}) {
            assertThat(onednn.get(v).shape()).as(v).isEqualTo(reference.get(v).shape());
            assertThat(onednn.get(v).equalsWithEps(reference.get(v), 1e-3)).as(v + ": " + onednn.get(v) + " vs "
                    + reference.get(v)).isTrue();
        }
    }

    @Test
    void withoutTheInputsGradientTheWeightGradientsAreTheSame() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 9, 9, 3);
        INDArray w = Nd4j.randn(DataType.FLOAT, 3, 3, 3, 4);
        INDArray b = Nd4j.randn(DataType.FLOAT, 4);
        INDArray lossWeights = Nd4j.rand(DataType.FLOAT, 2, 5, 5, 4);

        Map<String, INDArray> full = run(x, w, b, lossWeights, 3, 2, true, true, true);
        Map<String, INDArray> weightsOnly = run(x, w, b, lossWeights, 3, 2, true, true, false);

        for (String v : new String[]{"y", "w", "b"}) {
            assertThat(weightsOnly.get(v)).as(v).isEqualTo(full.get(v));
        }
    }

    private static Map<String, INDArray> run(INDArray xv, INDArray wv, INDArray bv, INDArray lossWeights, int kernel,
                                             int stride, boolean same, boolean onednn, boolean inputGradient) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv.dup());
        SDVariable w = sd.var("w", wv.dup());
        SDVariable b = bv == null ? null : sd.var("b", bv.dup());
        SDVariable y;
        if (onednn) {
            y = TrainingConv.apply(sd, x, w, b, kernel, stride, same, inputGradient);
        } else {
            Conv2DConfig conf = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                    .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID).dataFormat("NHWC").build();
            y = b == null ? sd.cnn().conv2d(x, w, conf) : sd.cnn().conv2d(x, w, b, conf);
        }
        y.rename("y");
        y.mul(sd.constant("lossWeights", lossWeights)).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), bv == null ? new String[]{"x", "w"}
                : new String[]{"x", "w", "b"});
        Map<String, INDArray> result = new HashMap<>(grads);
        result.put("y", sd.output(Map.of(), "y").get("y"));
        return result;
    }
}
