package dev.pixelflow.engine;

import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.LayerSpec;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The network's inference pass in plain Java loops (NHWC, VALID, Keras semantics), reading the engine's
 * weights. Slow but obviously right, so it can catch a library op computing the wrong thing.
 */
final class ReferenceForward {
    private ReferenceForward() {
    }

    static float[][] run(SameDiffEngine engine, float[] features, int batch) {
        NetworkSpec spec = engine.spec();
        int n = spec.input().length();
        float[][] out = new float[batch][];
        for (int e = 0; e < batch; e++) {
            float[] x = java.util.Arrays.copyOfRange(features, e * n, (e + 1) * n);
            int h = spec.input().height();
            int w = spec.input().width();
            int c = spec.input().channels();
            List<LayerSpec> layers = spec.layers();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                String p = l.type().label() + i;
                switch (l.type()) {
                    case CONV -> {
                        int k = l.kernel();
                        float[] wt = values(engine, p + "_W");
                        float[] b = values(engine, p + "_b");
                        int oh = h - k + 1;
                        int ow = w - k + 1;
                        int f = l.filters();
                        float[] y = new float[oh * ow * f];
                        for (int r = 0; r < oh; r++) {
                            for (int s = 0; s < ow; s++) {
                                for (int q = 0; q < f; q++) {
                                    double sum = b[q];
                                    for (int dr = 0; dr < k; dr++) {
                                        for (int ds = 0; ds < k; ds++) {
                                            for (int ci = 0; ci < c; ci++) {
                                                sum += x[((r + dr) * w + s + ds) * c + ci] * wt[((dr * k + ds) * c + ci) * f + q];
                                            }
                                        }
                                    }
                                    y[(r * ow + s) * f + q] = activate(sum, l.activation());
                                }
                            }
                        }
                        x = y;
                        h = oh;
                        w = ow;
                        c = f;
                    }
                    case MAXPOOL -> {
                        int k = l.kernel();
                        int oh = h / k;
                        int ow = w / k;
                        float[] y = new float[oh * ow * c];
                        for (int r = 0; r < oh; r++) {
                            for (int s = 0; s < ow; s++) {
                                for (int q = 0; q < c; q++) {
                                    float m = Float.NEGATIVE_INFINITY;
                                    for (int dr = 0; dr < k; dr++) {
                                        for (int ds = 0; ds < k; ds++) {
                                            m = Math.max(m, x[((r * k + dr) * w + s * k + ds) * c + q]);
                                        }
                                    }
                                    y[(r * ow + s) * c + q] = m;
                                }
                            }
                        }
                        x = y;
                        h = oh;
                        w = ow;
                    }
                    case FLATTEN, DROPOUT -> { /* NHWC data is already flat in H, W, C order; no dropout at inference */ }
                    case DENSE -> x = dense(x, values(engine, p + "_W"), values(engine, p + "_b"), l.units(), l.activation());
                }
            }
            float[] logits = dense(x, values(engine, "output_W"), values(engine, "output_b"), spec.outputUnits(), "linear");
            out[e] = spec.binary() ? sigmoidPair(logits[0]) : softmax(logits);
        }
        return out;
    }

    private static float[] values(SameDiffEngine engine, String name) {
        INDArray arr = engine.variable(name);
        return arr.dup('c').data().asFloat();
    }

    private static float[] dense(float[] x, float[] wt, float[] b, int units, String activation) {
        float[] y = new float[units];
        for (int q = 0; q < units; q++) {
            double sum = b[q];
            for (int i = 0; i < x.length; i++) {
                sum += x[i] * wt[i * units + q];
            }
            y[q] = activate(sum, activation);
        }
        return y;
    }

    private static float activate(double v, String activation) {
        return switch (activation) {
            case "relu" -> (float) Math.max(0, v);
            case "tanh" -> (float) Math.tanh(v);
            default -> (float) v;
        };
    }

    private static float[] sigmoidPair(float logit) {
        float p = (float) (1 / (1 + Math.exp(-logit)));
        return new float[]{1 - p, p};
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
