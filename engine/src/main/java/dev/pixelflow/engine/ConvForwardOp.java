package dev.pixelflow.engine;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * A convolution op of the engine's own ({@link TrainingConv}, {@link AnsweringConv}): inputs x [N, H, W, in] and w
 * [k, k, in, out] first, numeric arguments kernel, stride and SAME padding (1) first, one output shaped by
 * {@link ConvGeometry}.
 */
abstract class ConvForwardOp extends HostCustomOp.SingleOutput {
    ConvForwardOp() {
    }

    ConvForwardOp(SameDiff sd, SDVariable[] inputs, long... intArguments) {
        super(sd, inputs);
        addIArgument(intArguments);
    }

    /** The geometry of this op's call; {@code biased} as the caller knows it. */
    static ConvGeometry geometry(OpContext oc, boolean biased) {
        List<Long> i = oc.getIArguments();
        return ConvGeometry.of(oc.getInputArray(0).shape(), oc.getInputArray(1).shape(), i.get(1).intValue(),
                i.get(2) != 0, biased);
    }

    @Override
    public final List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
        return List.of(LongShapeDescriptor.fromShape(geometry(oc, false).outputShape(),
                oc.getInputArray(0).dataType()));
    }
}
