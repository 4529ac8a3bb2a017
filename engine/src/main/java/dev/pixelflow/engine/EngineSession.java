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
 * other op. {@link TrainableOps#install} makes SameDiff create its sessions as this class. While a thread has a
 * {@link StepPlan.Recorder} set ({@link #recordInto}), every op its sessions run is reported to it.
 */
final class EngineSession extends InferenceSession {
    private static final ThreadLocal<StepPlan.Recorder> RECORDER = new ThreadLocal<>();
    /** An op that computes its outputs itself, from the op context SameDiff prepared. */
    interface HostOp {
        void execute(OpContext context);
    }

    EngineSession(SameDiff sameDiff) {
        super(sameDiff);
    }

    /** Reports the ops this thread's sessions run to {@code recorder}, or to none when it is null. */
    static void recordInto(StepPlan.Recorder recorder) {
        if (recorder == null) {
            RECORDER.remove();
        } else {
            RECORDER.set(recorder);
        }
    }

    @Override
    public ExecutionResult doExec(DifferentialFunction op, OpContext opContext, FrameIter outputFrameIter,
                                  Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                  Map<String, SDValue> otherPlaceHolders) {
        ExecutionResult result;
        if (op instanceof HostOp host) {
            host.execute(opContext);
            result = ExecutionResult.createFrom(op, opContext);
        } else {
            result = super.doExec(op, opContext, outputFrameIter, opInputs, allIterInputs, constAndPhInputs,
                    otherPlaceHolders);
        }
        StepPlan.Recorder recorder = RECORDER.get();
        if (recorder != null) {
            recorder.executed(op, opContext, result);
        }
        return result;
    }
}
