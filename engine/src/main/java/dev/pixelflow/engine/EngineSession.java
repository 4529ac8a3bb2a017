package dev.pixelflow.engine;

import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * SameDiff's session, which also runs the engine's {@link HostOp}s: ops that call native code from Java (oneDNN's
 * primitives, see {@link Dnnl}) instead of being one of libnd4j's ops. SameDiff 1.0.0-M2.1 hands every custom op to
 * libnd4j by name; this session hands host ops their context instead, with inputs set and outputs allocated as for any
 * other op. {@link TrainableOps#install} makes SameDiff create its sessions as this class.
 */
final class EngineSession extends InferenceSession {
    /** An op that computes its outputs itself, from the op context SameDiff prepared. */
    interface HostOp {
        void execute(OpContext context);
    }

    EngineSession(SameDiff sameDiff) {
        super(sameDiff);
    }

    @Override
    public ExecutionResult doExec(DifferentialFunction op, OpContext opContext, FrameIter outputFrameIter,
                                  Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                  Map<String, SDValue> otherPlaceHolders) {
        if (op instanceof HostOp host) {
            host.execute(opContext);
            return ExecutionResult.createFrom(op, opContext);
        }
        return super.doExec(op, opContext, outputFrameIter, opInputs, allIterInputs, constAndPhInputs,
                otherPlaceHolders);
    }
}
