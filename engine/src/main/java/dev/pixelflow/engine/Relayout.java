package dev.pixelflow.engine;


import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * Activations [N, H, W, C] copied from one of {@link Dnnl#activations}' layouts to another, one oneDNN reorder: into
 * blocks of 8 channels after the answering branch's first convolution, and back to NHWC before global average
 * pooling. Between the two, {@link AnsweringConv}s pass blocked activations to each other: on 2 AVX2 cores oneDNN
 * 2.5.2 ran resnet-small's 3x3 convolutions at 150x150 with 64 to 256 channels 22–27% faster on 8-channel blocks than
 * on NHWC (forward, batch 32: 33.3 → 25.6, 38.3 → 29.3, 43.1 → 33.8 ms; 2026-12-07), the layout its AVX2 kernels are
 * written for. The first convolution stays NHWC: for 3 input channels oneDNN has no fast kernel from NHWC to blocks
 * (its reference kernel took 786 ms a batch). Never trained.
 */
public final class Relayout extends HostCustomOp.SingleOutput {
    static final String OP_NAME = "pixelflow_relayout";

    /** A shape's descriptors and reorder, made once. */
    private record Reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to, dnnl_primitive primitive) {
    }

    private static final Map<List<Long>, Reorder> REORDERS = new ConcurrentHashMap<>();

    /** For SameDiff's op registry. */
    public Relayout() {
    }

    private Relayout(SameDiff sd, SDVariable x, int from, int to) {
        super(sd, new SDVariable[]{x});
        addIArgument(from, to);
    }

    /** {@code x} [N, H, W, C], held in layout {@code from}, in layout {@code to}. */
    static SDVariable apply(SameDiff sd, SDVariable x, int from, int to) {
        return new Relayout(sd, x, from, to).outputVariable();
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
        INDArray x = oc.getInputArray(0);
        return List.of(LongShapeDescriptor.fromShape(x.shape(), x.dataType()));
    }

    @Override
    public void execute(OpContext oc) {
        INDArray x = oc.getInputArray(0);
        List<Long> i = oc.getIArguments();
        int from = i.get(0).intValue();
        int to = i.get(1).intValue();
        long[] s = x.shape();
        long[] nchw = {s[0], s[3], s[1], s[2]};
        List<Long> key = LongStream.concat(LongStream.of(nchw), LongStream.of(from, to)).boxed().toList();
        Reorder r = REORDERS.computeIfAbsent(key, k -> {
            dnnl_memory_desc_t fromDesc = Dnnl.activations(nchw, from);
            dnnl_memory_desc_t toDesc = Dnnl.activations(nchw, to);
            return new Reorder(fromDesc, toDesc, Dnnl.reorder(fromDesc, toDesc));
        });
        if (r.primitive() == null) { // the same layout
            oc.getOutputArray(0).assign(x);
        } else {
            Dnnl.reorder(r.primitive(), x, r.from(), oc.getOutputArray(0), r.to());
        }
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException("the answering branch is not trained");
    }
}
