package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cdba;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;

import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * One square convolution's shapes for oneDNN: NHWC activations, the engine's [kH, kW, in, out] weights, and libnd4j's
 * SAME padding (the odd padding row and column go below and right), so the engine's oneDNN convolutions compute what
 * libnd4j's {@code conv2d} computes.
 */
record ConvGeometry(List<Long> input, List<Long> weights, int stride, boolean samePadding, boolean biased) {
    static ConvGeometry of(long[] input, long[] weights, int stride, boolean samePadding, boolean biased) {
        if (input.length != 4 || weights.length != 4 || weights[0] != weights[1] || weights[2] != input[3]) {
            throw new IllegalArgumentException("convolution of " + Arrays.toString(input) + " with weights "
                    + Arrays.toString(weights) + ": expected [N, H, W, in] and [k, k, in, out]");
        }
        return new ConvGeometry(LongStream.of(input).boxed().toList(), LongStream.of(weights).boxed().toList(), stride,
                samePadding, biased);
    }

    long kernel() {
        return weights.get(0);
    }

    long outHeight() {
        return out(input.get(1));
    }

    long outWidth() {
        return out(input.get(2));
    }

    private long out(long in) {
        return samePadding ? (in + stride - 1) / stride : (in - kernel()) / stride + 1;
    }

    /** [N, outH, outW, out]. */
    long[] outputShape() {
        return new long[]{input.get(0), outHeight(), outWidth(), weights.get(3)};
    }

    /** Padding before (top, left) or after (bottom, right) the input. */
    long[] padding(boolean after) {
        if (!samePadding) {
            return new long[]{0, 0};
        }
        long h = Math.max((outHeight() - 1) * stride + kernel() - input.get(1), 0);
        long w = Math.max((outWidth() - 1) * stride + kernel() - input.get(2), 0);
        return after ? new long[]{h - h / 2, w - w / 2} : new long[]{h / 2, w / 2};
    }

    long[] strides() {
        return new long[]{stride, stride};
    }

    dnnl_memory_desc_t src() {
        return src(Dnnl.NHWC);
    }

    dnnl_memory_desc_t dst() {
        return dst(Dnnl.NHWC);
    }

    /** The input in a layout of {@link Dnnl#activations}: NHWC or channel blocks. */
    dnnl_memory_desc_t src(int layout) {
        return Dnnl.activations(new long[]{input.get(0), input.get(3), input.get(1), input.get(2)}, layout);
    }

    /** The output in a layout of {@link Dnnl#activations}. */
    dnnl_memory_desc_t dst(int layout) {
        return Dnnl.activations(new long[]{input.get(0), weights.get(3), outHeight(), outWidth()}, layout);
    }

    /** The weights as the engine holds them, [kH, kW, in, out]. */
    dnnl_memory_desc_t userWeights() {
        return Dnnl.floats(weightDims(), dnnl_cdba);
    }

    /** The weights in whatever layout the primitive prefers. */
    dnnl_memory_desc_t anyWeights() {
        return Dnnl.floats(weightDims(), dnnl_format_tag_any);
    }

    /** The bias, or null without one. */
    dnnl_memory_desc_t bias() {
        return biased ? Dnnl.vector(weights.get(3)) : null;
    }

    private long[] weightDims() {
        return new long[]{weights.get(3), weights.get(2), kernel(), kernel()};
    }
}
