package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A square 2-d convolution for training, channels last (NHWC activations, [kH, kW, in, out] weights as elsewhere in
 * the engine), as oneDNN's convolution primitives with the activations and their gradients in NHWC throughout.
 *
 * <p>Why not libnd4j's {@code conv2d_bp}: it lets oneDNN choose the activations' layout for the backward pass, which is
 * a blocked one (Winograd for 3×3), and reorders the input, the output's gradient and the input's gradient between
 * NHWC and that layout on every call: at resnet-small's 96×96 input, batch 64, the reorders took about as long as the
 * backward convolutions themselves. Only the weights (small) are reordered here.
 */
public final class TrainingConv {
    private TrainingConv() {
    }

    /**
     * {@code x} [N, H, W, in] convolved with {@code w} [k, k, in, out], plus {@code b} [out] unless null. Unless
     * {@code inputGradient}, the backward pass leaves x's gradient unwritten: for a network's first convolution,
     * whose input is the images, nothing reads it, and computing it took 12 ms of a 2.1 s resnet-small step at
     * 150x150 (2026-12-07, 2 AVX2 cores).
     */
    static SDVariable apply(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, int kernel, int stride,
                            boolean samePadding, boolean inputGradient) {
        SDVariable[] in = b == null ? new SDVariable[]{x, w} : new SDVariable[]{x, w, b};
        return new Forward(sd, in, kernel, stride, samePadding, inputGradient).outputVariable();
    }

    /** The primitives for an op's call; whether there is a bias the op knows from its number of inputs. */
    private static Primitives primitives(OpContext oc, boolean biased) {
        return Primitives.of(ConvForwardOp.geometry(oc, biased));
    }

    /** The forward pass: inputs x, w and maybe b; output y [N, outH, outW, out]. */
    public static final class Forward extends ConvForwardOp {
        static final String OP_NAME = "pixelflow_conv2d_training";

        /** For SameDiff's op registry, which instantiates ops by class when it copies a graph. */
        public Forward() {
        }

        private Forward(SameDiff sd, SDVariable[] inputs, long kernel, long stride, boolean samePadding,
                        boolean inputGradient) {
            super(sd, inputs, kernel, stride, samePadding ? 1 : 0, inputGradient ? 1 : 0);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public void execute(OpContext oc) {
            boolean biased = oc.numInputArguments() == 3;
            Primitives p = primitives(oc, biased);
            INDArray w = oc.getInputArray(1);
            INDArray wf = p.convert(w, p.toForward, p.forwardWeights);
            try {
                if (biased) {
                    Dnnl.execute(p.forward, new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                            new INDArray[]{oc.getInputArray(0), wf, oc.getInputArray(2), oc.getOutputArray(0)},
                            written(4, 3), new dnnl_memory_desc_t[]{p.src, p.forwardWeights, p.bias, p.dst});
                } else {
                    Dnnl.execute(p.forward, new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
                            new INDArray[]{oc.getInputArray(0), wf, oc.getOutputArray(0)},
                            written(3, 2), new dnnl_memory_desc_t[]{p.src, p.forwardWeights, p.dst});
                }
            } finally {
                Dnnl.release(wf, w);
            }
        }

        @Override
        public List<SDVariable> doDiff(List<SDVariable> gradients) {
            SDVariable[] in = args();
            SDVariable[] withGradient = new SDVariable[in.length + 1];
            System.arraycopy(in, 0, withGradient, 0, in.length);
            withGradient[in.length] = gradients.get(0);
            long[] i = iArgs();
            return List.of(new Backward(sameDiff, withGradient, i[0], i[1], i[2], i[3]).outputVariables());
        }
    }

    /** The backward pass: inputs x, w, maybe b, and y's gradient; outputs the gradients of x, w and maybe b. */
    public static final class Backward extends HostCustomOp {
        static final String OP_NAME = "pixelflow_conv2d_training_bp";

        /** For SameDiff's op registry. */
        public Backward() {
        }

        private Backward(SameDiff sd, SDVariable[] inputs, long kernel, long stride, long samePadding,
                         long inputGradient) {
            super(sd, inputs);
            addIArgument(kernel, stride, samePadding, inputGradient);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public int getNumOutputs() {
            return args().length - 1;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            return inputTypes.subList(0, inputTypes.size() - 1);
        }

        @Override
        public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
            List<LongShapeDescriptor> shapes = new ArrayList<>();
            for (int i = 0; i < oc.numInputArguments() - 1; i++) {
                INDArray a = oc.getInputArray(i);
                shapes.add(LongShapeDescriptor.fromShape(a.shape(), a.dataType()));
            }
            return shapes;
        }

        @Override
        public void execute(OpContext oc) {
            boolean biased = oc.numInputArguments() == 4;
            Primitives p = primitives(oc, biased);
            INDArray x = oc.getInputArray(0);
            INDArray dy = oc.getInputArray(biased ? 3 : 2);
            INDArray w = oc.getInputArray(1);
            if (oc.getIArguments().get(3) != 0) {
                INDArray wb = p.convert(w, p.toBackward, p.backwardWeights);
                try {
                    Dnnl.execute(p.backwardData, new int[]{DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                            new INDArray[]{dy, wb, oc.getOutputArray(0)}, written(3, 2),
                            new dnnl_memory_desc_t[]{p.dst, p.backwardWeights, p.src});
                } finally {
                    Dnnl.release(wb, w);
                }
            }
            INDArray dw = oc.getOutputArray(1);
            INDArray dwBlocked = p.weightGradientReorder == null ? dw : Nd4j.createUninitializedDetached(
                    DataType.FLOAT, Dnnl.floatsOf(p.weightGradient));
            try {
                if (biased) {
                    Dnnl.execute(p.weightPass,
                            new int[]{DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                            new INDArray[]{x, dy, dwBlocked, oc.getOutputArray(2)}, written(4, 2),
                            new dnnl_memory_desc_t[]{p.src, p.dst, p.weightGradient, p.bias});
                } else {
                    Dnnl.execute(p.weightPass, new int[]{DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
                            new INDArray[]{x, dy, dwBlocked}, written(3, 2),
                            new dnnl_memory_desc_t[]{p.src, p.dst, p.weightGradient});
                }
                if (p.weightGradientReorder != null) {
                    Dnnl.reorder(p.weightGradientReorder, dwBlocked, p.weightGradient, dw, p.weights);
                }
            } finally {
                if (dwBlocked != dw) {
                    dwBlocked.close();
                }
            }
        }
    }

    /** Which of {@code count} arguments the primitive writes: those from {@code firstWritten} on. */
    private static boolean[] written(int count, int firstWritten) {
        boolean[] w = new boolean[count];
        for (int i = firstWritten; i < count; i++) {
            w[i] = true;
        }
        return w;
    }

    /**
     * The primitives for one convolution shape: forward, backward data and backward weights, each with the weights in
     * the layout oneDNN chose for it, and the reorders from and to the engine's [kH, kW, in, out].
     */
    private record Primitives(dnnl_memory_desc_t src, dnnl_memory_desc_t dst,
                              dnnl_memory_desc_t weights, dnnl_memory_desc_t bias,
                              dnnl_primitive forward, dnnl_memory_desc_t forwardWeights, dnnl_primitive toForward,
                              dnnl_primitive backwardData, dnnl_memory_desc_t backwardWeights,
                              dnnl_primitive toBackward, dnnl_primitive weightPass,
                              dnnl_memory_desc_t weightGradient, dnnl_primitive weightGradientReorder) {
        private static final Map<ConvGeometry, Primitives> CACHE = new ConcurrentHashMap<>();

        static Primitives of(ConvGeometry geometry) {
            return CACHE.computeIfAbsent(geometry, Primitives::create);
        }

        /** The weights in a primitive's layout: {@code w} itself when that is the engine's layout. */
        INDArray convert(INDArray w, dnnl_primitive reorder, dnnl_memory_desc_t to) {
            return Dnnl.convert(w, reorder, weights, to);
        }

        private static Primitives create(ConvGeometry g) {
            dnnl_memory_desc_t src = g.src();
            dnnl_memory_desc_t dst = g.dst();
            dnnl_memory_desc_t weights = g.userWeights();
            dnnl_memory_desc_t anyWeights = g.anyWeights();
            dnnl_memory_desc_t bias = g.bias();
            long[] strides = g.strides();
            long[] padL = g.padding(false);
            long[] padR = g.padding(true);

            dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct, src,
                    anyWeights, bias, dst, strides, padL, padR), "describing a convolution");
            dnnl_primitive_desc forward = Dnnl.describe(fd, null, null, "a convolution");
            dnnl_convolution_desc_t dd = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_backward_data_desc_init(dd, dnnl_convolution_direct, src, anyWeights, dst,
                    strides, padL, padR), "describing a convolution's backward pass");
            dnnl_primitive_desc data = Dnnl.describe(dd, null, forward, "a convolution's backward pass");
            // A strided 1x1 convolution whose channels are not whole blocks of 8 gets its weight gradient in the
            // engine's own layout: in oneDNN 2.5.2's AVX2 kernel for it on blocked weights (4 to 6 channels, stride
            // 2), 28 of 30 gradients were wrong (2026-12-07).
            boolean unblocked = g.kernel() == 1 && g.stride() > 1
                    && (g.weights().get(2) % 8 != 0 || g.weights().get(3) % 8 != 0);
            dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct, src,
                    unblocked ? weights : anyWeights, bias, dst, strides, padL, padR),
                    "describing a convolution's weight gradient");
            dnnl_primitive_desc weightPass = Dnnl.describe(wd, null, forward, "a convolution's weight gradient");

            dnnl_memory_desc_t forwardWeights = Dnnl.query(forward, dnnl_query_weights_md);
            dnnl_memory_desc_t backwardWeights = Dnnl.query(data, dnnl_query_weights_md);
            dnnl_memory_desc_t weightGradient = Dnnl.query(weightPass, dnnl_query_diff_weights_md);
            return new Primitives(src, dst, weights, bias,
                    Dnnl.create(forward, "a convolution"), forwardWeights, Dnnl.reorder(weights, forwardWeights),
                    Dnnl.create(data, "a convolution's backward pass"), backwardWeights,
                    Dnnl.reorder(weights, backwardWeights),
                    Dnnl.create(weightPass, "a convolution's weight gradient"), weightGradient,
                    Dnnl.reorder(weightGradient, weights));
        }
    }
}
