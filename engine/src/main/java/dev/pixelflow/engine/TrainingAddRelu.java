package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * The end of a residual block in training, {@code relu(a + b)}, as one oneDNN primitive (an addition with ReLU as its
 * post-op), whose backward pass takes ReLU's gradient from the output ({@code dy} where {@code y > 0}) and hands it to
 * both inputs. libnd4j's add, its backward pass (two copies of the gradient), ReLU and ReLU's backward pass made four
 * ops of it and kept the sum as well as the output through the backward pass.
 */
public final class TrainingAddRelu {
    private TrainingAddRelu() {
    }

    /** {@code relu(a + b)} for two arrays of the same shape. */
    static SDVariable apply(SameDiff sd, SDVariable a, SDVariable b) {
        return new Forward(sd, new SDVariable[]{a, b}).outputVariable();
    }

    /**
     * Two inputs and one output shaped as the first, all of one length; the subclass names its primitive and the
     * oneDNN argument kinds of the two inputs (the output is the third).
     */
    private abstract static class Op extends HostCustomOp.SingleOutput {
        private static final boolean[] WRITTEN = {false, false, true};

        Op() {
        }

        Op(SameDiff sd, SDVariable[] inputs) {
            super(sd, inputs);
        }

        abstract dnnl_primitive primitive(Primitives p);

        /** oneDNN's argument kinds for the first input, the second and the output. */
        abstract int[] kinds();

        @Override
        public final void execute(OpContext oc) {
            Primitives p = primitives(oc);
            Dnnl.execute(primitive(p), kinds(),
                    new INDArray[]{oc.getInputArray(0), oc.getInputArray(1), oc.getOutputArray(0)},
                    WRITTEN, new dnnl_memory_desc_t[]{p.data, p.data, p.data});
        }

        @Override
        public final List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
            INDArray a = oc.getInputArray(0);
            return List.of(LongShapeDescriptor.fromShape(a.shape(), a.dataType()));
        }

        static Primitives primitives(OpContext oc) {
            INDArray a = oc.getInputArray(0);
            INDArray b = oc.getInputArray(1);
            if (a.length() != b.length()) {
                throw new IllegalArgumentException("relu(a + b) of different shapes: " + a.shapeInfoToString()
                        + " and " + b.shapeInfoToString());
            }
            return Primitives.of(a.length());
        }
    }

    /** Inputs a and b; output {@code relu(a + b)}. */
    public static final class Forward extends Op {
        static final String OP_NAME = "pixelflow_add_relu_training";

        /** For SameDiff's op registry, which instantiates ops by class when it copies a graph. */
        public Forward() {
        }

        private Forward(SameDiff sd, SDVariable[] inputs) {
            super(sd, inputs);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        dnnl_primitive primitive(Primitives p) {
            return p.forward;
        }

        @Override
        int[] kinds() {
            return new int[]{DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST};
        }

        /** Both inputs get the same gradient: ReLU's, taken from this op's output. */
        @Override
        public List<SDVariable> doDiff(List<SDVariable> gradients) {
            SDVariable g = new Backward(sameDiff, new SDVariable[]{outputVariable(), gradients.get(0)}).outputVariable();
            return List.of(g, g);
        }
    }

    /** Inputs y (the forward pass's output) and its gradient; output {@code dy} where {@code y > 0}, else 0. */
    public static final class Backward extends Op {
        static final String OP_NAME = "pixelflow_add_relu_training_bp";

        /** For SameDiff's op registry. */
        public Backward() {
        }

        private Backward(SameDiff sd, SDVariable[] inputs) {
            super(sd, inputs);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        dnnl_primitive primitive(Primitives p) {
            return p.backward;
        }

        @Override
        int[] kinds() {
            return new int[]{DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC};
        }
    }

    /** Element-wise, so any shape of {@code length} values is described as one vector. */
    private record Primitives(dnnl_memory_desc_t data, dnnl_primitive forward, dnnl_primitive backward) {
        private static final Map<Long, Primitives> CACHE = new ConcurrentHashMap<>();

        static Primitives of(long length) {
            return CACHE.computeIfAbsent(length, Primitives::create);
        }

        private static Primitives create(long length) {
            dnnl_memory_desc_t data = Dnnl.vector(length);
            dnnl_binary_desc_t add = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(add, dnnl_binary_add, data, data, data), "describing an addition");
            dnnl_primitive_desc forward = Dnnl.describeWithPostOps(add, null, true, "an addition with ReLU");
            // The backward primitive needs a forward ReLU as its hint; it computes from the output, as ours is.
            dnnl_eltwise_desc_t relu = new dnnl_eltwise_desc_t();
            Dnnl.check(dnnl_eltwise_forward_desc_init(relu, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd,
                    data, 0f, 0f), "describing ReLU");
            dnnl_primitive_desc hint = Dnnl.describe(relu, null, null, "ReLU");
            dnnl_eltwise_desc_t back = new dnnl_eltwise_desc_t();
            Dnnl.check(dnnl_eltwise_backward_desc_init(back, dnnl_eltwise_relu_use_dst_for_bwd, data, data, 0f, 0f),
                    "describing ReLU's backward pass");
            dnnl_primitive_desc backward = Dnnl.describe(back, null, hint, "ReLU's backward pass");
            return new Primitives(data, Dnnl.create(forward, "an addition with ReLU"),
                    Dnnl.create(backward, "ReLU's backward pass"));
        }
    }
}
