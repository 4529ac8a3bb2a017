package dev.pixelflow.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fuse_norm_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * Batch normalisation for training, on the batch's own statistics, as oneDNN's batch-normalisation primitives:
 * outputs {@code y = γ (x − μ) / √(σ² + ε) + β}, the batch mean {@code μ} and the biased variance {@code σ²} per
 * channel (for the running averages), in one pass pair over the input; the backward pass gives the input's whole
 * gradient, the paths through the mean and the variance included, and those of γ and β.
 *
 * <p>Why not libnd4j's ops: its {@code moments} and {@code batchnorm_bp} took 33 and 94 ms for one 64×48×48×32 tensor
 * on 2 cores (resnet-small's first stage at 96×96, batch 64) where these primitives take 2.3 and 2.8 ms: libnd4j's
 * backward runs oneDNN's primitive with the statistics held fixed and adds the paths through them in ten passes of its
 * own. SameDiff runs the two ops through {@link EngineSession}; {@link TrainableOps#install} makes SameDiff's graph
 * copies build them as these classes.
 */
public final class TrainingBatchNorm {
    private TrainingBatchNorm() {
    }

    /**
     * The normalised {@code x}, followed by ReLU if {@code relu} says so, and the batch's mean and variance per
     * channel. {@code x} is [N, C] or, as {@code channelsLast} says, [N, H, W, C] or [N, C, H, W]. With ReLU, a
     * fourth output holds oneDNN's record of where the ReLU let the gradient through, for the backward pass.
     */
    static SDVariable[] apply(SameDiff sd, SDVariable x, SDVariable gamma, SDVariable beta, double epsilon,
                              boolean channelsLast, boolean relu) {
        return new Forward(sd, new SDVariable[]{x, gamma, beta}, epsilon, channelsLast ? 1 : 0, relu ? 1 : 0)
                .outputVariables();
    }

    /**
     * What the two ops share: outputs shaped as x (input 0) and two per channel, and with a fused ReLU the forward
     * pass's workspace; epsilon, layout, and whether a ReLU is fused in.
     */
    private abstract static class Op extends HostCustomOp {
        Op() {
        }

        Op(SameDiff sd, SDVariable[] inputs, double epsilon, long channelsLast, long relu) {
            super(sd, inputs);
            addTArgument(epsilon);
            addIArgument(channelsLast, relu);
        }

        /** The input whose length is the number of channels. */
        abstract int perChannelInput();

        /** The first three outputs: one shaped as x, two per channel. */
        static List<LongShapeDescriptor> shapes(OpContext oc, int perChannelInput) {
            INDArray x = oc.getInputArray(0);
            long channels = oc.getInputArray(perChannelInput).length();
            LongShapeDescriptor perChannel = LongShapeDescriptor.fromShape(new long[]{channels}, x.dataType());
            return new ArrayList<>(List.of(LongShapeDescriptor.fromShape(x.shape(), x.dataType()), perChannel,
                    perChannel));
        }

        boolean fusesRelu() {
            long[] i = iArgs();
            return i.length > 1 && i[1] != 0;
        }

        Primitives primitives(OpContext oc) {
            List<Long> i = oc.getIArguments();
            return Primitives.of(oc.getInputArray(0).shape(), i.get(0) != 0, i.size() > 1 && i.get(1) != 0,
                    oc.getTArguments().get(0));
        }
    }

    /**
     * The forward pass: inputs x, γ, β; outputs y (ReLU'd if fused), the batch mean, the biased variance, and with a
     * fused ReLU its workspace (bytes).
     */
    public static final class Forward extends Op {
        static final String OP_NAME = "pixelflow_batchnorm_training";

        /** For SameDiff's op registry, which instantiates ops by class when it copies a graph. */
        public Forward() {
        }

        private Forward(SameDiff sd, SDVariable[] inputs, double epsilon, long channelsLast, long relu) {
            super(sd, inputs, epsilon, channelsLast, relu);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        int perChannelInput() {
            return 1;
        }

        @Override
        public int getNumOutputs() {
            return fusesRelu() ? 4 : 3;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            DataType t = inputTypes.get(0);
            return fusesRelu() ? List.of(t, t, t, DataType.UINT8) : List.of(t, t, t);
        }

        @Override
        public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
            List<LongShapeDescriptor> shapes = shapes(oc, 1);
            Primitives p = primitives(oc);
            if (p.workspace != null) {
                shapes.add(LongShapeDescriptor.fromShape(new long[]{Dnnl.bytesOf(p.workspace)}, DataType.UINT8));
            }
            return shapes;
        }

        @Override
        public void execute(OpContext oc) {
            Primitives p = primitives(oc);
            int[] kinds = {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE,
                    DNNL_ARG_WORKSPACE};
            INDArray[] arrays = {oc.getInputArray(0), oc.getInputArray(1), oc.getInputArray(2), oc.getOutputArray(0),
                    oc.getOutputArray(1), oc.getOutputArray(2), p.workspace == null ? null : oc.getOutputArray(3)};
            boolean[] written = {false, false, false, true, true, true, true};
            dnnl_memory_desc_t[] descs = {p.data, p.channel, p.channel, p.data, p.channel, p.channel, p.workspace};
            int n = p.workspace == null ? 6 : 7;
            Dnnl.execute(p.forward, Arrays.copyOf(kinds, n), Arrays.copyOf(arrays, n), Arrays.copyOf(written, n),
                    Arrays.copyOf(descs, n));
        }

        /** The gradients of x, γ and β; the mean and variance outputs feed only the running averages, not the loss. */
        @Override
        public List<SDVariable> doDiff(List<SDVariable> gradients) {
            SDVariable[] in = args(); // x, gamma, beta
            SDVariable[] out = outputVariables(); // y, mean, variance, maybe the workspace
            List<SDVariable> bpIn = new ArrayList<>(List.of(in[0], out[1], out[2], in[1], in[2], gradients.get(0)));
            if (out.length > 3) {
                bpIn.add(out[3]);
            }
            long[] i = iArgs();
            SDVariable[] grads = new Backward(sameDiff, bpIn.toArray(SDVariable[]::new), tArgs()[0], i[0],
                    fusesRelu() ? 1 : 0).outputVariables();
            return List.of(grads[0], grads[1], grads[2]);
        }
    }

    /**
     * The backward pass: inputs x, mean, variance, γ, β, the gradient of the forward pass's output and, with a fused
     * ReLU, its workspace; outputs the gradients of x, γ and β.
     */
    public static final class Backward extends Op {
        static final String OP_NAME = "pixelflow_batchnorm_training_bp";

        /** For SameDiff's op registry. */
        public Backward() {
        }

        private Backward(SameDiff sd, SDVariable[] inputs, double epsilon, long channelsLast, long relu) {
            super(sd, inputs, epsilon, channelsLast, relu);
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        int perChannelInput() {
            return 3;
        }

        @Override
        public int getNumOutputs() {
            return 3;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
            return Collections.nCopies(3, inputTypes.get(0));
        }

        @Override
        public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
            return shapes(oc, 3);
        }

        @Override
        public void execute(OpContext oc) {
            Primitives p = primitives(oc);
            int[] kinds = {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE, DNNL_ARG_SHIFT,
                    DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT, DNNL_ARG_WORKSPACE};
            INDArray[] arrays = {oc.getInputArray(0), oc.getInputArray(1), oc.getInputArray(2), oc.getInputArray(3),
                    oc.getInputArray(4), oc.getInputArray(5), oc.getOutputArray(0), oc.getOutputArray(1),
                    oc.getOutputArray(2), p.workspace == null ? null : oc.getInputArray(6)};
            boolean[] written = {false, false, false, false, false, false, true, true, true, false};
            dnnl_memory_desc_t[] descs = {p.data, p.channel, p.channel, p.channel, p.channel, p.data, p.data,
                    p.channel, p.channel, p.workspace};
            int n = p.workspace == null ? 9 : 10;
            Dnnl.execute(p.backward, Arrays.copyOf(kinds, n), Arrays.copyOf(arrays, n), Arrays.copyOf(written, n),
                    Arrays.copyOf(descs, n));
        }
    }

    /** The forward and backward primitives for one input shape and layout, created once and kept. */
    private record Primitives(dnnl_memory_desc_t data, dnnl_memory_desc_t channel, dnnl_memory_desc_t workspace,
                              dnnl_primitive forward, dnnl_primitive backward) {
        private record Key(List<Long> shape, boolean channelsLast, boolean relu, double epsilon) {
        }

        private static final Map<Key, Primitives> CACHE = new ConcurrentHashMap<>();

        static Primitives of(long[] shape, boolean channelsLast, boolean relu, double epsilon) {
            return CACHE.computeIfAbsent(new Key(LongStream.of(shape).boxed().toList(), channelsLast, relu, epsilon),
                    Primitives::create);
        }

        private static Primitives create(Key key) {
            List<Long> s = key.shape();
            long[] dims; // oneDNN orders dimensions N, C, H, W whatever the memory layout
            int tag;
            if (s.size() == 2) {
                dims = new long[]{s.get(0), s.get(1)};
                tag = dnnl_nc;
            } else if (s.size() == 4) {
                dims = key.channelsLast() ? new long[]{s.get(0), s.get(3), s.get(1), s.get(2)}
                        : new long[]{s.get(0), s.get(1), s.get(2), s.get(3)};
                tag = key.channelsLast() ? dnnl_nhwc : dnnl_nchw;
            } else {
                throw new IllegalArgumentException("batch normalisation takes [N, C] or 4-d input, got " + s);
            }
            dnnl_memory_desc_t data = Dnnl.floats(dims, tag);
            dnnl_memory_desc_t channel = Dnnl.vector(dims[1]);
            int flags = dnnl_use_scale | dnnl_use_shift | (key.relu() ? dnnl_fuse_norm_relu : 0);
            float epsilon = (float) key.epsilon();
            dnnl_batch_normalization_desc_t fd = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_forward_desc_init(fd, dnnl_forward_training, data, epsilon, flags),
                    "describing batch normalisation");
            dnnl_primitive_desc forward = Dnnl.describe(fd, null, null, "batch normalisation");
            dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, data, data, epsilon, flags),
                    "describing batch normalisation's backward pass");
            dnnl_primitive_desc backward = Dnnl.describe(bd, null, forward, "batch normalisation's backward pass");
            return new Primitives(data, channel, key.relu() ? Dnnl.query(forward, dnnl_query_workspace_md) : null,
                    Dnnl.create(forward, "batch normalisation"),
                    Dnnl.create(backward, "batch normalisation's backward pass"));
        }
    }
}
