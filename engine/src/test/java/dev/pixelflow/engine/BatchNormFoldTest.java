package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Answers come from convolutions with their batch norms folded in; they must equal the network computed layer by
 * layer (convolution, then batch norm on the running statistics), here in plain Java loops.
 */
class BatchNormFoldTest {
    private static final ImageShape RGB = ImageShape.parse("8x8x3");
    private static final double EPSILON = 1e-5;

    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    /** A stem conv with bias and batch norm, a block with an identity shortcut and one with a projection. */
    private static NetworkSpec spec() {
        return new NetworkSpec(RGB, 3, List.of(
                LayerSpec.conv(4, 3, 1, LayerSpec.LINEAR), LayerSpec.batchnorm(LayerSpec.RELU),
                LayerSpec.residual(4, 1), LayerSpec.residual(8, 2), LayerSpec.gap()), 11);
    }

    @Test
    void foldedAnswersEqualTheLayerByLayerNetworkAfterTrainingChangedItsStatistics() {
        SyntheticImages data = SyntheticImages.batch(RGB, 3, 6, 2);
        OptimizerSpec sgd = new OptimizerSpec(OptimizerSpec.SGD, 0.1);
        try (ClassifierEngine created = Engines.create(spec(), sgd)) {
            SameDiffEngine engine = (SameDiffEngine) created;
            for (int round = 0; round < 2; round++) {
                // Training between answers changes weights and statistics: the folds must follow each time.
                for (int step = 0; step < 4; step++) {
                    engine.fit(data.features, data.labels, 6, 0.1);
                }
                assertThat(engine.variable("batchnorm1_mean").getFloat(0)).isNotZero();
                float[][] answers = engine.output(data.features, 6);
                for (int i = 0; i < 6; i++) {
                    float[] expected = layerByLayer(engine, image(data.features, i));
                    for (int c = 0; c < 3; c++) {
                        assertThat(answers[i][c]).as("image %d class %d, round %d", i, c, round)
                                .isCloseTo(expected[c], within(2e-5f));
                    }
                }
            }
        }
    }

    private static float[] image(float[] features, int index) {
        int n = RGB.length();
        return java.util.Arrays.copyOfRange(features, index * n, (index + 1) * n);
    }

    /** The network's answer for one NHWC image, each layer on its own. */
    private static float[] layerByLayer(SameDiffEngine e, float[] x) {
        Act a = new Act(x, 8, 8, 3);
        a = batchNorm(e, "batchnorm1", conv(e, a, "conv0_W", "conv0_b", 3, 1)).relu();
        a = block(e, a, "residual2", 1, false);
        a = block(e, a, "residual3", 2, true);
        float[] pooled = new float[a.c];
        for (int p = 0; p < a.h * a.w; p++) {
            for (int c = 0; c < a.c; c++) {
                pooled[c] += a.v[p * a.c + c] / (a.h * a.w);
            }
        }
        INDArray w = e.variable("output_W");
        INDArray b = e.variable("output_b");
        double[] logits = new double[3];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < 3; k++) {
            logits[k] = b.getDouble(k);
            for (int c = 0; c < a.c; c++) {
                logits[k] += pooled[c] * w.getDouble(c, k);
            }
            max = Math.max(max, logits[k]);
        }
        double sum = 0;
        for (int k = 0; k < 3; k++) {
            logits[k] = Math.exp(logits[k] - max);
            sum += logits[k];
        }
        float[] probs = new float[3];
        for (int k = 0; k < 3; k++) {
            probs[k] = (float) (logits[k] / sum);
        }
        return probs;
    }

    private static Act block(SameDiffEngine e, Act x, String name, int stride, boolean projects) {
        Act h = batchNorm(e, name + "_bn1", conv(e, x, name + "_conv1_W", null, 3, stride)).relu();
        h = batchNorm(e, name + "_bn2", conv(e, h, name + "_conv2_W", null, 3, 1));
        Act s = projects ? batchNorm(e, name + "_bnp", conv(e, x, name + "_proj_W", null, 1, stride)) : x;
        for (int i = 0; i < h.v.length; i++) {
            h.v[i] += s.v[i];
        }
        return h.relu();
    }

    /** SAME padding as TensorFlow and oneDNN pad it: any odd pixel of padding goes after. */
    private static Act conv(SameDiffEngine e, Act x, String weights, String bias, int k, int stride) {
        INDArray w = e.variable(weights); // [k, k, in, out]
        int out = (int) w.size(3);
        int oh = (x.h + stride - 1) / stride;
        int ow = (x.w + stride - 1) / stride;
        int padTop = Math.max((oh - 1) * stride + k - x.h, 0) / 2;
        int padLeft = Math.max((ow - 1) * stride + k - x.w, 0) / 2;
        float[] y = new float[oh * ow * out];
        for (int r = 0; r < oh; r++) {
            for (int col = 0; col < ow; col++) {
                for (int o = 0; o < out; o++) {
                    double sum = bias == null ? 0 : e.variable(bias).getDouble(o);
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int sr = r * stride + i - padTop;
                            int sc = col * stride + j - padLeft;
                            if (sr < 0 || sc < 0 || sr >= x.h || sc >= x.w) {
                                continue;
                            }
                            for (int c = 0; c < x.c; c++) {
                                sum += x.v[(sr * x.w + sc) * x.c + c] * w.getDouble(i, j, c, o);
                            }
                        }
                    }
                    y[(r * ow + col) * out + o] = (float) sum;
                }
            }
        }
        return new Act(y, oh, ow, out);
    }

    private static Act batchNorm(SameDiffEngine e, String name, Act x) {
        INDArray gamma = e.variable(name + "_gamma");
        INDArray beta = e.variable(name + "_beta");
        INDArray mean = e.variable(name + "_mean");
        INDArray var = e.variable(name + "_var");
        float[] y = new float[x.v.length];
        for (int i = 0; i < y.length; i++) {
            int c = i % x.c;
            y[i] = (float) ((x.v[i] - mean.getDouble(c)) / Math.sqrt(var.getDouble(c) + EPSILON) * gamma.getDouble(c)
                    + beta.getDouble(c));
        }
        return new Act(y, x.h, x.w, x.c);
    }

    /** One image's activations, NHWC. */
    private record Act(float[] v, int h, int w, int c) {
        Act relu() {
            float[] y = v.clone();
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.max(0f, y[i]);
            }
            return new Act(y, h, w, c);
        }
    }
}
