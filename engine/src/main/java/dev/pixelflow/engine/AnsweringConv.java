package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * A convolution of the answering branch, channels last, with what follows it in a residual network done in the same
 * pass (oneDNN's post-ops): {@code relu(conv(x, w) + b + residual)}, the residual and the ReLU each optional. Answering
 * folds batch norm into {@code w} and {@code b} ({@link BatchNormFold}), so a residual block answers in two or three
 * ops instead of seven (convolution, ReLU, convolution, add, ReLU, and a shortcut's convolution). Never trained.
 *
 * <p>The input, the output and the residual are each in one of {@link Dnnl#activations}' layouts, NHWC or blocks of 8
 * channels: a chain of these convolutions can pass blocked activations from one to the next, which oneDNN 2.5's AVX2
 * kernels run faster than NHWC (see {@link Relayout}).
 */
public final class AnsweringConv extends ConvForwardOp {
    static final String OP_NAME = "pixelflow_conv2d_answering";

    /** For SameDiff's op registry, which instantiates ops by class when it copies a graph. */
    public AnsweringConv() {
    }

    private AnsweringConv(SameDiff sd, SDVariable[] inputs, int kernel, int stride, boolean samePadding,
                          boolean relu, int[] layouts) {
        super(sd, inputs, kernel, stride, samePadding ? 1 : 0, relu ? 1 : 0, layouts[0], layouts[1], layouts[2]);
    }

    /** {@code relu(conv(x, w) + b + residual)}, all NHWC; {@code residual} may be null, and {@code relu} false. */
    static SDVariable apply(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, SDVariable residual, int kernel,
                            int stride, boolean samePadding, boolean relu) {
        return apply(sd, x, w, b, residual, kernel, stride, samePadding, relu,
                new int[]{Dnnl.NHWC, Dnnl.NHWC, Dnnl.NHWC});
    }

    /**
     * The same with the layouts of {@code x}, the result and {@code residual} ({@link Dnnl#activations}), in that
     * order.
     */
    static SDVariable apply(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, SDVariable residual, int kernel,
                            int stride, boolean samePadding, boolean relu, int[] layouts) {
        SDVariable[] in = residual == null ? new SDVariable[]{x, w, b} : new SDVariable[]{x, w, b, residual};
        return new AnsweringConv(sd, in, kernel, stride, samePadding, relu, layouts).outputVariable();
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public void execute(OpContext oc) {
        Primitive p = primitive(oc);
        INDArray w = oc.getInputArray(1);
        INDArray blocked = Dnnl.convert(w, p.toWeights, p.userWeights, p.weights);
        try {
            INDArray x = oc.getInputArray(0);
            INDArray b = oc.getInputArray(2);
            INDArray out = oc.getOutputArray(0);
            if (oc.numInputArguments() == 4) { // the residual, which the primitive adds as a post-op
                Dnnl.execute(p.primitive,
                        new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST, Dnnl.ARG_ADDEND},
                        new INDArray[]{x, blocked, b, out, oc.getInputArray(3)},
                        new boolean[]{false, false, false, true, false},
                        new dnnl_memory_desc_t[]{p.src, p.weights, p.bias, p.dst, p.addend});
            } else {
                Dnnl.execute(p.primitive, new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                        new INDArray[]{x, blocked, b, out}, new boolean[]{false, false, false, true},
                        new dnnl_memory_desc_t[]{p.src, p.weights, p.bias, p.dst});
            }
        } finally {
            Dnnl.release(blocked, w);
        }
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException("the answering branch is not trained");
    }

    private static Primitive primitive(OpContext oc) {
        List<Long> i = oc.getIArguments();
        return Primitive.of(new Primitive.Key(geometry(oc, true), oc.numInputArguments() == 4, i.get(3) != 0,
                i.get(4).intValue(), i.get(5).intValue(), i.get(6).intValue()));
    }

    private record Primitive(ConvGeometry geometry, dnnl_memory_desc_t src, dnnl_memory_desc_t dst,
                             dnnl_memory_desc_t addend, dnnl_memory_desc_t userWeights, dnnl_memory_desc_t weights,
                             dnnl_memory_desc_t bias, dnnl_primitive toWeights, dnnl_primitive primitive) {
        private record Key(ConvGeometry geometry, boolean residual, boolean relu, int srcLayout, int dstLayout,
                           int addendLayout) {
        }

        private static final Map<Key, Primitive> CACHE = new ConcurrentHashMap<>();

        static Primitive of(Key key) {
            return CACHE.computeIfAbsent(key, Primitive::create);
        }

        private static Primitive create(Key key) {
            ConvGeometry g = key.geometry();
            dnnl_memory_desc_t src = g.src(key.srcLayout());
            dnnl_memory_desc_t dst = g.dst(key.dstLayout());
            dnnl_memory_desc_t addend = g.dst(key.addendLayout());
            dnnl_memory_desc_t userWeights = g.userWeights();
            dnnl_memory_desc_t bias = g.bias();
            dnnl_convolution_desc_t cd = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_forward_desc_init(cd, dnnl_forward_inference, dnnl_convolution_direct, src,
                    g.anyWeights(), bias, dst, g.strides(), g.padding(false), g.padding(true)),
                    "describing a convolution");
            var pd = Dnnl.describeWithPostOps(cd, key.residual() ? addend : null, key.relu(), "a convolution");
            dnnl_memory_desc_t weights = Dnnl.query(pd, dnnl_query_weights_md);
            return new Primitive(g, src, dst, addend, userWeights, weights, bias, Dnnl.reorder(userWeights, weights),
                    Dnnl.create(pd, "a convolution"));
        }
    }
}
