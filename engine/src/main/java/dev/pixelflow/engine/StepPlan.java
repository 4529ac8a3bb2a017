package dev.pixelflow.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.RandomOp;
import org.nd4j.linalg.api.ops.custom.Invoke;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.BaseCompatOp;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.api.ops.impl.shape.CreateView;
import org.nd4j.linalg.api.ops.impl.shape.tensorops.BaseTensorOp;
import org.nd4j.linalg.api.ops.impl.transforms.Assert;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Assign;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine call's ops, recorded as SameDiff ran them and replayed without it: the same ops in the same order on
 * the same arrays. SameDiff 1.0.0-M2.1 does about 0.1–0.3 ms of its own work around every op it runs — dependency
 * tracking, variable lookups in a trie, a regular expression on variable names, a copy of its variable map per call —
 * which for resnet-small's 112 ops a training step made 40 ms of a 450 ms step on 2 AVX2 cores, in one thread while
 * the other waited. A call of the same shapes runs the same ops on arrays of the same shapes every time, and the
 * engine gives SameDiff the same placeholder, parameter and constant arrays every time, so after one recorded call
 * the rest can skip SameDiff.
 *
 * <p>A plan is only made when it is provably the same computation: every op is one of libnd4j's custom ops run the
 * generic way (custom or legacy), or one of the engine's host ops (SameDiff's control-flow, tensor-array, assign, view, random and
 * external-gradient ops are refused), and every array an op reads is either written by an op before it in the call
 * or one the engine passed in (placeholders, parameters, constants). Anything else leaves the call to SameDiff.
 */
final class StepPlan implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepPlan.class);

    private enum Kind {
        /** One of the engine's host ops: {@link EngineSession.HostOp#execute}. */
        HOST,
        /** One of libnd4j's custom ops, run with its context. */
        NATIVE,
        /**
         * One of libnd4j's legacy ops (reductions, transforms), run with its context; what SameDiff set on the op
         * itself (a reduction's axes) stays set, as it depends on the graph and not on the call.
         */
        LEGACY,
        /** An op SameDiff resolves without running anything (identity, the gradient marker): nothing to replay. */
        PASS
    }

    private record Entry(DifferentialFunction op, Kind kind, List<INDArray> inputs, List<INDArray> outputs,
                         long[] iArgs, double[] tArgs, boolean[] bArgs, DataType[] dArgs) {
    }

    /** The ops of one SameDiff call, in the order they ran, with the arrays they read and wrote. */
    static final class Recorder {
        private final List<Entry> entries = new ArrayList<>();
        private String refusal;

        /** Called by the session after each op it ran, with the context it ran the op with. */
        void executed(DifferentialFunction op, OpContext oc, ExecutionResult result) {
            if (refusal != null) {
                return;
            }
            if (op instanceof Identity) {
                List<INDArray> in = copy(oc.getInputArrays());
                entries.add(new Entry(op, Kind.PASS, in, in.subList(0, 1), null, null, null, null));
            } else if (op instanceof GradientBackwardsMarker) {
                entries.add(new Entry(op, Kind.PASS, List.of(), List.of(result.resultAt(0)), null, null, null, null));
            } else if (op instanceof EngineSession.HostOp) {
                entries.add(entry(op, Kind.HOST, oc));
            } else if (op instanceof DynamicCustomOp && !special(op)) {
                entries.add(entry(op, Kind.NATIVE, oc));
            } else if (op instanceof Op && !(op instanceof CustomOp) && !special(op)) {
                entries.add(entry(op, Kind.LEGACY, oc));
            } else {
                refusal = "op " + op.opName() + " (" + op.getClass().getSimpleName() + ") is not replayable";
            }
        }

        private static Entry entry(DifferentialFunction op, Kind kind, OpContext oc) {
            return new Entry(op, kind, copy(oc.getInputArrays()), copy(oc.getOutputArrays()),
                    oc.getIArguments().stream().mapToLong(Long::longValue).toArray(),
                    oc.getTArguments().stream().mapToDouble(Double::doubleValue).toArray(),
                    booleans(oc.getBArguments()), oc.getDArguments().toArray(new DataType[0]));
        }

        /** Ops InferenceSession handles other than by running them with their context. */
        private static boolean special(DifferentialFunction op) {
            return op instanceof Assign || op instanceof CreateView || op instanceof Invoke || op instanceof Assert
                    || op instanceof ExternalErrorsFunction || op instanceof BaseCompatOp || op instanceof BaseTensorOp
                    || op instanceof RandomOp;
        }

        /** A copy: SameDiff reuses an op's context on its next call. */
        private static List<INDArray> copy(List<INDArray> arrays) {
            return Collections.unmodifiableList(new ArrayList<>(arrays));
        }

        private static boolean[] booleans(List<Boolean> values) {
            boolean[] b = new boolean[values.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = values.get(i);
            }
            return b;
        }
    }

    private final List<Entry> entries;
    private final List<OpContext> contexts;
    private final Map<String, INDArray> results;
    private final StepArrayPool lender;
    private final List<INDArray> owned;

    private StepPlan(List<Entry> entries, List<OpContext> contexts, Map<String, INDArray> results,
                     StepArrayPool lender, List<INDArray> owned) {
        this.entries = entries;
        this.contexts = contexts;
        this.results = results;
        this.lender = lender;
        this.owned = owned;
    }

    /**
     * A plan from a recorded call, or null (and why, at debug level) when the call cannot be replayed faithfully.
     *
     * @param given   the arrays the engine handed SameDiff: placeholders, parameters, constants
     * @param results what the call returned, by name: each must be an array one of its ops wrote
     * @param lender  the pool that lent the call its arrays: a plan keeps them (the caller then has the pool hand
     *                them over) and gives them back at close
     */
    static StepPlan of(Recorder recorder, Collection<INDArray> given, Map<String, INDArray> results,
                       StepArrayPool lender) {
        String refusal = recorder.refusal;
        Set<INDArray> known = Collections.newSetFromMap(new IdentityHashMap<>());
        known.addAll(given);
        for (Entry e : recorder.entries) {
            if (refusal != null) {
                break;
            }
            for (INDArray in : e.inputs()) {
                if (!known.contains(in)) {
                    refusal = "op " + e.op().opName() + " reads an array SameDiff made outside the call's ops";
                    break;
                }
            }
            known.addAll(e.outputs());
        }
        for (Map.Entry<String, INDArray> r : results.entrySet()) {
            if (refusal == null && !known.contains(r.getValue())) {
                refusal = "result " + r.getKey() + " is not an array the call's ops wrote";
            }
        }
        if (refusal != null) {
            LOG.debug("engine call left to SameDiff: {}", refusal);
            return null;
        }
        List<OpContext> contexts = new ArrayList<>();
        for (Entry e : recorder.entries) {
            contexts.add(e.kind() == Kind.PASS ? null : context(e));
        }
        return new StepPlan(List.copyOf(recorder.entries), contexts, Map.copyOf(results), lender, lender.lent());
    }

    private static OpContext context(Entry e) {
        OpContext oc = Nd4j.getExecutioner().buildContext();
        oc.setInputArrays(e.inputs());
        oc.setOutputArrays(e.outputs());
        oc.setIArguments(e.iArgs());
        oc.setTArguments(e.tArgs());
        oc.setBArguments(e.bArgs());
        oc.setDArguments(e.dArgs());
        return oc;
    }

    /** Runs the call again: its results are then in {@link #results()}'s arrays. */
    void run() {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            switch (e.kind()) {
                case HOST -> ((EngineSession.HostOp) e.op()).execute(contexts.get(i));
                case NATIVE -> Nd4j.getExecutioner().exec((CustomOp) e.op(), contexts.get(i));
                case LEGACY -> Nd4j.getExecutioner().exec((Op) e.op(), contexts.get(i));
                case PASS -> {
                    // resolved when recorded: its output is an array the plan keeps
                }
            }
        }
    }

    /** The call's results by name, the same arrays on every run. */
    Map<String, INDArray> results() {
        return results;
    }

    /**
     * Gives the arrays back to the pool. The op contexts need nothing: in ND4J M2.1 a context's native memory is freed
     * by ND4J's deallocator once the context is collected ({@code close} does nothing).
     */
    @Override
    public void close() {
        lender.takeBack(owned);
    }
}
