package dev.pixelflow.engine;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.loss.LossReduce;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * {@link ClassifierEngine} on SameDiff. SameDiff rather than MultiLayerNetwork because, with a oneDNN build
 * of libnd4j, SameDiff's conv2d/maxpool2d/matmul ops run in oneDNN while MultiLayerNetwork's layers take
 * their own im2col path; measured 4-6x faster training on the reference CNN.
 *
 * <p>Pitfalls of SameDiff 1.0.0-M2.1 this class works around, each found by testing:
 * <ul>
 * <li>{@code sd.nn().dropout} has no gradient and no train/inference switch. So the graph forks at the first
 * dropout: the training branch multiplies by mask placeholders that {@link #fit} fills (inverted dropout,
 * seeded by the spec's seed and the step number, so runs repeat); the inference branch has no masks and
 * shares every weight.</li>
 * <li>{@code sd.fit} never computes the loss value (backprop does not need it), so it reports 0. Training
 * therefore calls {@code calculateGradientsAndOutputs} for loss and gradients together and applies the
 * updater here; the updater state is ours to save, which {@link EngineArtifact} does.</li>
 * <li>{@code sd.nn().linear} (xw_plus_b) gives wrong results from the second call on when its output array
 * comes from SameDiff's array cache; dense layers use {@code mmul} + {@code add} instead.</li>
 * <li>Its sessions' array cache gets back almost none of a call's arrays, so every call allocated its activations
 * and gradients afresh; each session here gets a {@link StepArrayPool} that recycles them call after call.</li>
 * <li>{@code sd.nn().batchNorm} cannot be differentiated (its {@code doDiff} throws), and libnd4j's batch-norm
 * ops spend most of a training step outside oneDNN; training normalises with {@link TrainingBatchNorm}, oneDNN's
 * primitives called from Java. (Written as plain mean/variance/scale ops instead, a network with batch normalisation
 * trained 3.6x slower than without: the backward passes of the broadcast multiplies dominated.) The batch statistics are outputs of
 * each training step; the running averages (PyTorch's momentum 0.1, unbiased variance) are updated here and saved
 * with the weights; answering folds them and the scale and shift into the convolution before
 * ({@link BatchNormFold}), or uses the fused op on them where no convolution comes before.</li>
 * </ul>
 */
final class SameDiffEngine implements ClassifierEngine {
    static final String ENGINE_NAME = "samediff";
    static final String INPUT = "input";
    static final String LABEL = "label";
    static final String PROBS = "probs";
    static final String LOSS = "loss";
    static final String EVAL_LOSS = "eval_loss";

    /**
     * Free arrays a session's pool may keep beyond its last call's working set (other batch sizes), as SameDiff's
     * own cache would: a quarter of JavaCPP's native memory limit.
     */
    private static final long POOL_BUDGET = Math.max(256L << 20, Pointer.maxBytes() / 4);
    private static final String GRAD_FUNCTION = "grad";
    /** Whether oneDNN runs its AVX2 kernels here (an AVX2 CPU without AVX-512). */
    private static final boolean AVX2_KERNELS = NativeBackend.ONEDNN_AVX2.equals(NativeBackend.selectFromCpu());
    /** Prefix of a parameter's gradient among a training call's results. */
    private static final String GRADIENT = "gradient:";

    /** Keras' default epsilon, so updates match the reference. */
    private static final double EPSILON = 1e-7;
    /** Batch normalisation: PyTorch's epsilon and running-average momentum. */
    private static final double BN_EPSILON = 1e-5;
    private static final double BN_MOMENTUM = 0.1;

    enum Layout { NCHW, NHWC }

    /**
     * One batch-normalisation layer's statistics: the names of the step outputs that carry the batch mean and
     * (biased) variance, and the running averages the inference branch reads.
     */
    record BatchStats(String batchMean, String batchVar, INDArray runningMean, INDArray runningVar, int layer) {
    }

    /** A dropout mask placeholder: its name, the per-example shape, and the keep probability. */
    record Mask(String name, long[] exampleShape, double keep) {
        long exampleSize() {
            long n = 1;
            for (long s : exampleShape) {
                n *= s;
            }
            return n;
        }
    }

    /** Placeholder arrays for one batch size, reused across calls so a step does not allocate them. */
    private static final class Buffers {
        final int batchSize;
        final ImageShape shape;
        final INDArray input;
        INDArray label;
        float[] labelValues;
        INDArray[] masks;
        float[][] maskValues;
        /** Replays of this batch's calls, by kind of call: see {@link StepPlan}. */
        final Map<String, StepPlan> plans = new HashMap<>();

        Buffers(int batchSize, ImageShape shape, INDArray input) {
            this.batchSize = batchSize;
            this.shape = shape;
            this.input = input;
        }

        void close() {
            plans.values().forEach(StepPlan::close);
            plans.clear();
            StepArrayPool.closeQuietly(input);
            StepArrayPool.closeQuietly(label);
            if (masks != null) {
                for (INDArray m : masks) {
                    StepArrayPool.closeQuietly(m);
                }
            }
        }
    }

    private final NetworkSpec spec;
    private final OptimizerSpec optimizer;
    private final Layout layout;
    private final SameDiff sd;
    private final List<Mask> masks;
    /** Trainable arrays by variable name, in graph order. */
    private final Map<String, INDArray> params;
    private final long parameterCount;
    /** Arrays that are saved with the weights but not trained: batch normalisation's running statistics. */
    private final Map<String, INDArray> state;
    private final List<BatchStats> batchStats;
    /** Convolutions folded with their batch norms for answering; recomputed after training changed them. */
    private final List<BatchNormFold> folds;
    private boolean foldsCurrent;
    /** Step outputs: the loss, then every batch-norm layer's batch statistics. */
    private final List<String> stepOutputs;
    /** The rate the updaters were last given; the schedule changes it between steps. */
    private double currentRate;
    /** Every batch-norm layer's values per channel and image, by input size (one entry unless training on crops). */
    private final Map<ImageShape, long[]> perExample = new HashMap<>();
    /** Created on the first fit or restored from a file; null until then so inference-only engines skip it. */
    private Map<String, GradientUpdater> updaters;
    /** The configuration every updater shares: setting its rate sets theirs. */
    private IUpdater updaterConfig;
    private Map<String, INDArray> updaterState;
    private long steps;
    private long replayedCalls;
    private Buffers buffers;
    private boolean closed;
    /** Every pool installed in a session of this engine's graphs, to free at close. */
    private final List<StepArrayPool> pools = new CopyOnWriteArrayList<>();

    private SameDiffEngine(NetworkSpec spec, OptimizerSpec optimizer, Layout layout) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.sd = SameDiff.create();
        this.masks = masksOf(spec, layout);
        GraphBuilder graph = new GraphBuilder(sd, spec, optimizer, layout, masks);
        graph.build();
        this.state = graph.state;
        this.batchStats = graph.batchStats;
        this.folds = graph.folds;
        List<String> outputs = new ArrayList<>();
        outputs.add(LOSS);
        for (BatchStats b : batchStats) {
            outputs.add(b.batchMean());
            outputs.add(b.batchVar());
        }
        this.stepOutputs = List.copyOf(outputs);
        this.currentRate = optimizer.learningRate();
        Map<String, INDArray> p = new LinkedHashMap<>();
        long count = 0;
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                p.put(v.name(), v.getArr());
                count += v.getArr().length();
            }
        }
        this.params = p;
        this.parameterCount = count;
        if (count != spec.parameterCount()) {
            throw new IllegalStateException("graph has " + count + " parameters but the spec computes "
                    + spec.parameterCount());
        }
    }

    /** A fresh network with weights drawn from the spec's seed. */
    static SameDiffEngine create(NetworkSpec spec, OptimizerSpec optimizer, Layout layout) {
        return new SameDiffEngine(spec, optimizer, layout);
    }

    /**
     * Rebuilds the graph from the spec and puts saved arrays into it. The graph is not stored: the spec is
     * the source of truth and the variable names are deterministic, which keeps files small and independent
     * of SameDiff's serialisation format.
     */
    static SameDiffEngine restore(NetworkSpec spec, OptimizerSpec optimizer, Layout layout,
                                  Map<String, EngineArtifact.Tensor> weights, Map<String, EngineArtifact.Tensor> updater,
                                  long steps) {
        SameDiffEngine engine = new SameDiffEngine(spec, optimizer, layout);
        try {
            Map<String, INDArray> saved = engine.savedArrays();
            if (!weights.keySet().equals(saved.keySet())) {
                throw new IllegalStateException("saved weights " + weights.keySet() + " do not match the network's "
                        + saved.keySet());
            }
            saved.forEach((name, arr) -> weights.get(name).copyInto(name, arr));
            if (updater != null) {
                engine.initUpdaters(false);
                if (!updater.keySet().equals(engine.updaterState.keySet())) {
                    throw new IllegalStateException("saved optimizer state " + updater.keySet() + " does not match "
                            + engine.updaterState.keySet() + " (was it saved with another optimizer?)");
                }
                engine.updaterState.forEach((name, arr) -> updater.get(name).copyInto(name + " optimizer state", arr));
            }
            engine.steps = steps;
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    static IUpdater updater(OptimizerSpec optimizer) {
        return switch (optimizer.name()) {
            case OptimizerSpec.RMSPROP -> new RmsProp(optimizer.learningRate(), 0.9, EPSILON);
            // AdamW is Adam plus the decoupled decay fit() applies.
            case OptimizerSpec.ADAM, OptimizerSpec.ADAMW -> new Adam(optimizer.learningRate(), 0.9, 0.999, EPSILON);
            case OptimizerSpec.SGD -> optimizer.momentum() > 0
                    ? new Nesterovs(optimizer.learningRate(), optimizer.momentum())
                    : new Sgd(optimizer.learningRate());
            default -> throw new IllegalArgumentException("unsupported optimizer " + optimizer.name());
        };
    }

    /** Weights and running statistics: everything a saved file holds besides the optimizer state. */
    private Map<String, INDArray> savedArrays() {
        if (state.isEmpty()) {
            return params;
        }
        Map<String, INDArray> all = new LinkedHashMap<>(params);
        all.putAll(state);
        return all;
    }

    /** Decoupled weight decay applies to convolution and dense weights, never to biases or batch-norm parameters. */
    static boolean decays(String variable) {
        return variable.endsWith("_W");
    }

    /** One state array per parameter, laid out as SameDiff's own training would. */
    private void initUpdaters(boolean initialise) {
        IUpdater config = updater(optimizer);
        updaterConfig = config;
        updaters = new HashMap<>();
        updaterState = new LinkedHashMap<>();
        params.forEach((name, param) -> {
            long size = config.stateSize(param.length());
            INDArray state = size > 0 ? Nd4j.zeros(param.dataType(), 1, size) : null;
            GradientUpdater u = config.instantiate(state, initialise);
            if (state != null) {
                u.setStateViewArray(state, param.shape(), param.ordering(), initialise);
                updaterState.put(name, state);
            }
            updaters.put(name, u);
        });
    }

    @Override
    public NetworkSpec spec() {
        return spec;
    }

    @Override
    public OptimizerSpec optimizer() {
        return optimizer;
    }

    @Override
    public long parameterCount() {
        return parameterCount;
    }

    @Override
    public boolean channelsFirst() {
        return layout == Layout.NCHW;
    }

    /** A saved array (trained, or a running statistic) by name, for tests that check the graph against a reference. */
    INDArray variable(String name) {
        INDArray arr = params.containsKey(name) ? params.get(name) : state.get(name);
        if (arr == null) {
            throw new IllegalArgumentException("no variable " + name + "; have " + savedArrays().keySet());
        }
        return arr;
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize) {
        return fit(features, labels, batchSize, optimizer.learningRate());
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize, double learningRate) {
        return fit(features, labels, batchSize, learningRate, spec.input());
    }

    @Override
    public double fit(float[] features, int[] labels, int batchSize, double learningRate, ImageShape shape) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        Buffers b = prepare(features, batchSize, shape);
        fillLabels(b, labels);
        fillMasks(b);
        if (updaters == null) {
            initUpdaters(true);
        }
        if (learningRate != currentRate) {
            updaterConfig.setLrAndSchedule(learningRate, null);
            currentRate = learningRate;
        }
        Map<String, INDArray> placeholders = new HashMap<>();
        placeholders.put(INPUT, b.input);
        placeholders.put(LABEL, b.label);
        for (int i = 0; i < masks.size(); i++) {
            placeholders.put(masks.get(i).name(), b.masks[i]);
        }
        return call(b, "fit", () -> sd.getFunction(GRAD_FUNCTION), placeholders, () -> {
            OutAndGrad result = sd.calculateGradientsAndOutputs(placeholders, stepOutputs, params.keySet());
            Map<String, INDArray> results = new HashMap<>(result.getOutputs());
            result.getGradients().forEach((name, gradient) -> results.put(GRADIENT + name, gradient));
            return results;
        }, results -> step(results, learningRate, batchSize, b.shape));
    }

    /** The optimizer's step from a call's loss, gradients and batch statistics; returns the loss. */
    private double step(Map<String, INDArray> results, double learningRate, int batchSize, ImageShape shape) {
        double loss = results.get(LOSS).getDouble(0);
        int iteration = (int) Math.min(steps, Integer.MAX_VALUE);
        double decay = learningRate * optimizer.weightDecay();
        // The decay and the step are BLAS calls: ND4J's muli and subi took 8 ms a step over resnet-small's 62
        // parameters, mostly per-call work, where OpenBLAS's scal and axpy take 2 ms.
        Level1 blas = Nd4j.getBlasWrapper().level1();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray param = e.getValue();
            INDArray gradient = dense(results.get(GRADIENT + e.getKey()));
            // applyUpdater turns the gradient into the step, in place (Adam uses the iteration for bias correction).
            updaters.get(e.getKey()).applyUpdater(gradient, iteration, 0);
            if (decay > 0 && decays(e.getKey())) {
                blas.scal(param.length(), 1 - decay, param);
            }
            blas.axpy(param.length(), -1.0, gradient, param);
        }
        updateRunningStatistics(results, batchSize, shape);
        foldsCurrent = false;
        steps++;
        return loss;
    }

    /**
     * Runs one of the engine's calls and hands its results, by name, to {@code use}. A batch's call of a kind it
     * made before is replayed from its {@link StepPlan}; otherwise SameDiff runs it ({@code viaSameDiff}, whose ops
     * run in the sessions of {@code graph}) and, once that session has its pool, records a plan for the next call.
     * The results are the call's own arrays: valid until the next call, which reuses them.
     */
    private <T> T call(Buffers b, String kind, Supplier<SameDiff> graph, Map<String, INDArray> placeholders,
                       Supplier<Map<String, INDArray>> viaSameDiff, Function<Map<String, INDArray>, T> use) {
        StepPlan plan = b.plans.get(kind);
        if (plan != null) {
            plan.run();
            replayedCalls++;
            return use.apply(plan.results());
        }
        SameDiff session = graph.get();
        StepArrayPool pool = session == null ? null : installedPool(session);
        StepPlan.Recorder recorder = pool == null ? null : new StepPlan.Recorder();
        Map<String, INDArray> results;
        EngineSession.recordInto(recorder);
        try {
            results = viaSameDiff.get();
        } finally {
            EngineSession.recordInto(null);
        }
        T value = use.apply(results);
        if (recorder != null) {
            plan = StepPlan.of(recorder, given(placeholders, session), results, pool);
        }
        if (plan != null) {
            pool.handOver();
            b.plans.put(kind, plan);
        } else if (pool != null) {
            pool.endCall();
        } else {
            // The graph's first call: its arrays came from SameDiff's own cache, so free the results (13 MB of
            // gradients for the reference network) at once rather than at some later GC; the pool goes in now.
            installPool(graph.get());
            results.values().forEach(StepArrayPool::closeQuietly);
        }
        return value;
    }

    /** The arrays the engine gives SameDiff: the call's placeholders and the graphs' parameters and constants. */
    private List<INDArray> given(Map<String, INDArray> placeholders, SameDiff session) {
        List<INDArray> arrays = new ArrayList<>(placeholders.values());
        for (SameDiff graph : List.of(sd, session)) {
            for (SDVariable v : graph.variables()) {
                if (v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT) {
                    INDArray a = v.getArr();
                    if (a != null) {
                        arrays.add(a);
                    }
                }
            }
        }
        return arrays;
    }

    /** Calls replayed from a plan rather than run by SameDiff, since the engine was made. */
    long replayedCalls() {
        return replayedCalls;
    }

    /** running = (1 - m) running + m batch, the variance made unbiased as PyTorch does. */
    private void updateRunningStatistics(Map<String, INDArray> outputs, int batchSize, ImageShape shape) {
        long[] spatial = perExample.computeIfAbsent(shape, s -> spec.atInput(s).layerOutputs().stream()
                .mapToLong(d -> (long) d.height() * d.width()).toArray());
        for (BatchStats stats : batchStats) {
            INDArray mean = outputs.get(stats.batchMean());
            INDArray var = outputs.get(stats.batchVar());
            long n = batchSize * spatial[stats.layer()];
            double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
            blend(stats.runningMean(), mean, BN_MOMENTUM);
            blend(stats.runningVar(), var, BN_MOMENTUM * unbias);
        }
    }

    /**
     * {@code running = (1 - m) running + weight batch}, in float as ND4J's ops computed it, but in Java: these are 40
     * vectors of at most a few hundred values a step, for which six ND4J ops each cost more than their arithmetic.
     */
    static void blend(INDArray running, INDArray batch, double weight) {
        float[] r = floats(running);
        float[] b = floats(batch);
        if (r.length != b.length) {
            throw new IllegalStateException("batch statistics of " + b.length + " channels for " + r.length);
        }
        float keep = (float) (1 - BN_MOMENTUM);
        float w = (float) weight;
        for (int i = 0; i < r.length; i++) {
            r[i] = r[i] * keep + b[i] * w;
        }
        copyInto(running, r);
    }

    /** {@code a}, or a row-major copy of it where it is a view or column-major. */
    private static INDArray dense(INDArray a) {
        return a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
    }

    /** The values of an array in row-major order, in one native copy. */
    private static float[] floats(INDArray a) {
        INDArray dense = dense(a);
        float[] values = new float[Math.toIntExact(dense.length())];
        new FloatPointer(dense.data().addressPointer()).get(values, 0, values.length);
        return values;
    }

    @Override
    public float[][] output(float[] features, int batchSize) {
        Buffers b = prepare(features, batchSize);
        refreshFolds();
        Map<String, INDArray> placeholders = Map.of(INPUT, b.input);
        return call(b, "output", () -> sd, placeholders,
                () -> Map.of(PROBS, sd.outputSingle(placeholders, PROBS)),
                results -> probabilities(results.get(PROBS), batchSize));
    }

    @Override
    public EvalBatch evaluate(float[] features, int[] labels, int batchSize) {
        Buffers b = prepare(features, batchSize);
        fillLabels(b, labels);
        refreshFolds();
        Map<String, INDArray> placeholders = Map.of(INPUT, b.input, LABEL, b.label);
        Map.Entry<float[][], Double> out = call(b, "evaluate", () -> sd, placeholders,
                () -> sd.output(placeholders, PROBS, EVAL_LOSS),
                results -> Map.entry(probabilities(results.get(PROBS), batchSize),
                        results.get(EVAL_LOSS).getDouble(0)));
        float[][] p = out.getKey();
        double loss = out.getValue();
        int[] predicted = new int[batchSize];
        int correct = 0;
        for (int i = 0; i < batchSize; i++) {
            int best = 0;
            for (int c = 1; c < p[i].length; c++) {
                if (p[i][c] > p[i][best]) {
                    best = c;
                }
            }
            predicted[i] = best;
            if (best == labels[i]) {
                correct++;
            }
        }
        return new EvalBatch(loss, p, predicted, correct);
    }

    /** Folds the current weights and running statistics into the answering branch's convolutions, when they changed. */
    private void refreshFolds() {
        if (!foldsCurrent) {
            folds.forEach(BatchNormFold::refresh);
            foldsCurrent = true;
        }
    }

    @Override
    public void save(Path file, boolean withUpdaterState) throws IOException {
        checkOpen();
        boolean withState = withUpdaterState && updaterState != null;
        EngineManifest manifest = new EngineManifest(EngineManifest.FORMAT, EngineManifest.VERSION, ENGINE_NAME,
                layout == Layout.NCHW, spec, optimizer, withState, steps);
        EngineArtifact.write(file, manifest, savedArrays(), withState ? updaterState : null);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
        // Free off-heap memory now rather than at some later GC: inference swaps models while serving.
        params.values().forEach(StepArrayPool::closeQuietly);
        state.values().forEach(StepArrayPool::closeQuietly);
        folds.forEach(BatchNormFold::close);
        if (updaterState != null) {
            updaterState.values().forEach(StepArrayPool::closeQuietly);
        }
        sd.getSessions().clear();
        if (sd.getFunction(GRAD_FUNCTION) != null) {
            sd.getFunction(GRAD_FUNCTION).getSessions().clear();
        }
        pools.forEach(StepArrayPool::close);
        pools.clear();
    }

    /**
     * Puts a pool into the calling thread's session of {@code graph} unless it has one. SameDiff creates a thread's
     * session inside its first call, so the pool goes in after that call (whose arrays came from SameDiff's cache).
     */
    private void installPool(SameDiff graph) {
        InferenceSession session = graph.getSessions().get(Thread.currentThread().getId());
        if (session != null && !(session.getMmgr() instanceof StepArrayPool)) {
            StepArrayPool created = new StepArrayPool(POOL_BUDGET);
            session.setMmgr(created);
            pools.add(created);
        }
    }

    /** The pool of the calling thread's session of {@code graph}, or null while it has none. */
    private static StepArrayPool installedPool(SameDiff graph) {
        InferenceSession session = graph.getSessions().get(Thread.currentThread().getId());
        return session != null && session.getMmgr() instanceof StepArrayPool pool ? pool : null;
    }

    private Buffers prepare(float[] features, int batchSize) {
        return prepare(features, batchSize, spec.input());
    }

    private Buffers prepare(float[] features, int batchSize, ImageShape in) {
        checkOpen();
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(in, "shape");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        long expected = (long) batchSize * in.length();
        if (features.length != expected) {
            throw new IllegalArgumentException("features has " + features.length + " values; a batch of " + batchSize
                    + " images of " + in + " needs " + expected);
        }
        if (buffers == null || buffers.batchSize != batchSize || !buffers.shape.equals(in)) {
            if (!in.equals(spec.input())) {
                spec.atInput(in); // refuses a size the network cannot take, with the reason; once per new size
            }
            if (buffers != null) {
                buffers.close();
            }
            long[] shape = layout == Layout.NCHW
                    ? new long[]{batchSize, in.channels(), in.height(), in.width()}
                    : new long[]{batchSize, in.height(), in.width(), in.channels()};
            buffers = new Buffers(batchSize, in, Nd4j.create(DataType.FLOAT, shape, 'c'));
        }
        copyInto(buffers.input, features);
        return buffers;
    }

    private void fillLabels(Buffers b, int[] labels) {
        Objects.requireNonNull(labels, "labels");
        if (labels.length != b.batchSize) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for a batch of " + b.batchSize);
        }
        int units = spec.outputUnits();
        if (b.label == null) {
            b.label = Nd4j.create(DataType.FLOAT, new long[]{b.batchSize, units}, 'c');
            b.labelValues = new float[b.batchSize * units];
        }
        float[] v = b.labelValues;
        Arrays.fill(v, 0f);
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i];
            if (label < 0 || label >= spec.classes()) {
                throw new IllegalArgumentException("label " + label + " at index " + i + " is outside 0.."
                        + (spec.classes() - 1));
            }
            if (spec.binary()) {
                v[i] = label;
            } else {
                v[i * units + label] = 1f;
            }
        }
        copyInto(b.label, v);
    }

    private void fillMasks(Buffers b) {
        if (b.masks == null) {
            b.masks = new INDArray[masks.size()];
            b.maskValues = new float[masks.size()][];
            for (int i = 0; i < masks.size(); i++) {
                Mask m = masks.get(i);
                long[] shape = new long[m.exampleShape().length + 1];
                shape[0] = b.batchSize;
                System.arraycopy(m.exampleShape(), 0, shape, 1, m.exampleShape().length);
                b.masks[i] = Nd4j.create(DataType.FLOAT, shape, 'c');
                b.maskValues[i] = new float[Math.toIntExact(b.batchSize * m.exampleSize())];
            }
        }
        // One generator per step: the same seed and step give the same masks, also after save and load.
        SplittableRandom random = new SplittableRandom(spec.seed() * 0x9E3779B97F4A7C15L + steps);
        for (int i = 0; i < masks.size(); i++) {
            double keep = masks.get(i).keep();
            float scale = (float) (1.0 / keep);
            float[] values = b.maskValues[i];
            for (int j = 0; j < values.length; j++) {
                values[j] = random.nextDouble() < keep ? scale : 0f;
            }
            copyInto(b.masks[i], values);
        }
    }

    /**
     * Copies {@code values} into a dense float array of the same length in one native copy: {@code DataBuffer.setData}
     * writes value by value, which took 2 ms of a 64x64 batch of 32 and showed as a quarter of an answer's Java time.
     */
    private static void copyInto(INDArray dense, float[] values) {
        if (dense.isView() || dense.ordering() != 'c' || dense.length() != values.length) {
            throw new IllegalArgumentException("not a dense array of " + values.length + " values: " + dense.shapeInfoToString());
        }
        new FloatPointer(dense.data().addressPointer()).put(values, 0, values.length);
    }

    private float[][] probabilities(INDArray probs, int batchSize) {
        long[] shape = probs.shape();
        if (shape.length != 2 || shape[0] != batchSize || shape[1] != spec.outputUnits()) {
            throw new IllegalStateException("network returned shape " + Arrays.toString(shape) + " for a batch of "
                    + batchSize + " with " + spec.outputUnits() + " outputs");
        }
        float[][] out = probs.toFloatMatrix();
        if (spec.binary()) {
            for (int i = 0; i < batchSize; i++) {
                float p = out[i][0];
                out[i] = new float[]{1f - p, p};
            }
        }
        return out;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
    }


    static List<Mask> masksOf(NetworkSpec spec, Layout layout) {
        List<Mask> out = new ArrayList<>();
        List<NetworkSpec.Dims> dims = spec.layerOutputs();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec layer = spec.layers().get(i);
            if (layer.type() == LayerSpec.Type.DROPOUT && layer.rate() > 0) {
                out.add(new Mask("dropout" + i + "_mask", exampleShape(dims.get(i), layout), 1.0 - layer.rate()));
            }
        }
        return out;
    }

    private static long[] exampleShape(NetworkSpec.Dims d, Layout layout) {
        if (d.flat()) {
            return new long[]{d.channels()};
        }
        return layout == Layout.NCHW
                ? new long[]{d.channels(), d.height(), d.width()}
                : new long[]{d.height(), d.width(), d.channels()};
    }

    /** Builds the graph of a spec into an empty SameDiff. */
    private static final class GraphBuilder {
        private final SameDiff sd;
        private final NetworkSpec spec;
        private final OptimizerSpec optimizer;
        private final Layout layout;
        private final List<Mask> masks;
        private final SplittableRandom init;
        final Map<String, INDArray> state = new LinkedHashMap<>();
        final List<BatchStats> batchStats = new ArrayList<>();
        /** Every convolution folded with the batch norm after it, for answering. */
        final List<BatchNormFold> folds = new ArrayList<>();
        private SDVariable train;
        private SDVariable infer;
        /** A conv layer's activation, moved past the max-pooling that follows it. */
        private String deferredActivation;
        /** The batch-norm layer after a linear conv, built with the conv, which the answering branch folded into it. */
        private BatchNorm foldedNext;
        /** Whether that batch norm's ReLU went into the answering branch's convolution as well. */
        private boolean foldedRelu;
        /** The layout the answering branch's convolutions write ({@link Dnnl#activations}). */
        private final int answeringLayout;
        /** The answering branch's variables held in another layout than NHWC, by name, with that layout. */
        private final Map<String, Integer> blocked = new HashMap<>();

        GraphBuilder(SameDiff sd, NetworkSpec spec, OptimizerSpec optimizer, Layout layout, List<Mask> masks) {
            this.sd = sd;
            this.spec = spec;
            this.optimizer = optimizer;
            this.layout = layout;
            this.masks = masks;
            // Blocks of 8 channels where measured faster: oneDNN's AVX2 kernels (see Relayout); NHWC elsewhere.
            this.answeringLayout = layout == Layout.NHWC && AVX2_KERNELS && blockable(spec) ? 8 : Dnnl.NHWC;
            this.init = new SplittableRandom(spec.seed());
            TrainableOps.install(); // before the first op: SameDiff copies graphs with the classes registered then
        }

        void build() {
            var in = spec.input();
            // A network ending in global pooling takes any height and width (training on crops, answering on the
            // whole image); the others keep the size their flatten was built for.
            long height = spec.takesAnySize() ? -1 : in.height();
            long width = spec.takesAnySize() ? -1 : in.width();
            long[] shape = layout == Layout.NCHW
                    ? new long[]{-1, in.channels(), height, width}
                    : new long[]{-1, height, width, in.channels()};
            SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, shape);
            SDVariable label = sd.placeHolder(LABEL, DataType.FLOAT, -1, spec.outputUnits());
            train = x;
            infer = x;
            int maskIndex = 0;
            List<NetworkSpec.Dims> dims = spec.layerOutputs();
            NetworkSpec.Dims d = new NetworkSpec.Dims(in.height(), in.width(), in.channels(), false);
            for (int i = 0; i < spec.layers().size(); i++) {
                LayerSpec layer = spec.layers().get(i);
                String p = layer.type().label() + i;
                switch (layer.type()) {
                    case CONV -> {
                        int k = layer.kernel();
                        int stride = layer.strideOrOne();
                        // Weights are [kH, kW, inC, outC] (YXIO) in both layouts; Keras' fans for Glorot.
                        SDVariable w = sd.var(p + "_W", glorot(new long[]{k, k, d.channels(), layer.filters()},
                                (long) k * k * d.channels(), (long) k * k * layer.filters()));
                        SDVariable b = sd.var(p + "_b", Nd4j.zeros(DataType.FLOAT, layer.filters()));
                        Conv2DConfig conf = Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride)
                                .paddingMode(layer.samePadding() ? PaddingMode.SAME : PaddingMode.VALID)
                                .dataFormat(layout == Layout.NCHW ? "NCHW" : "NHWC")
                                .build();
                        if (batchNormNext(i) && LayerSpec.LINEAR.equals(layer.activation())) {
                            foldedNext = batchNorm(spec.layers().get(i + 1).type().label() + (i + 1), dims.get(i), i + 1);
                            BatchNorm bn = foldedNext;
                            train = trainingConv(train, w, b, conf);
                            // The batch norm's ReLU goes into the answering convolution too.
                            foldedRelu = LayerSpec.RELU.equals(spec.layers().get(i + 1).activation());
                            infer = bn.foldedConv(infer, w, b, conf, null, foldedRelu);
                        } else if (poolsNext(i) && monotone(layer.activation())) {
                            // Max-pooling commutes with a monotone activation (relu, tanh): applied after the pool,
                            // the activation and its gradient touch a quarter of the values. They were ~12% of a
                            // training step at 150x150 before.
                            deferredActivation = layer.activation();
                            apply(v -> sd.cnn().conv2d(v, w, b, conf));
                        } else {
                            apply(v -> activation(sd.cnn().conv2d(v, w, b, conf), layer.activation()));
                        }
                    }
                    case MAXPOOL -> {
                        int k = layer.kernel();
                        Pooling2DConfig conf = Pooling2DConfig.builder().kH(k).kW(k).sH(k).sW(k)
                                .type(Pooling2D.Pooling2DType.MAX)
                                .paddingMode(PaddingMode.VALID)
                                .isNHWC(layout == Layout.NHWC)
                                .build();
                        String act = deferredActivation;
                        deferredActivation = null;
                        apply(v -> act == null ? sd.cnn().maxPooling2d(v, conf)
                                : activation(sd.cnn().maxPooling2d(v, conf), act));
                    }
                    case FLATTEN -> {
                        long size = d.size();
                        apply(v -> sd.reshape(v, -1, size));
                    }
                    case GAP -> {
                        int[] spatial = layout == Layout.NHWC ? new int[]{1, 2} : new int[]{2, 3};
                        if (train != infer && layoutOf(infer) != Dnnl.NHWC) {
                            infer = Relayout.apply(sd, infer, layoutOf(infer), Dnnl.NHWC);
                        }
                        apply(v -> v.mean(spatial));
                    }
                    case BATCHNORM -> {
                        String act = layer.activation() == null ? LayerSpec.LINEAR : layer.activation();
                        if (foldedNext != null) {
                            train = foldedRelu ? foldedNext.apply(train, true, true)
                                    : activation(foldedNext.apply(train, true, false), act, true);
                            infer = foldedRelu ? infer : activation(infer, act, false);
                            foldedNext = null;
                        } else {
                            BatchNorm bn = batchNorm(p, d, i);
                            boolean relu = LayerSpec.RELU.equals(act);
                            branch((v, training) -> relu ? bn.apply(v, training, true)
                                    : activation(bn.apply(v, training, false), act, training));
                        }
                    }
                    case RESIDUAL -> residual(p, layer, d, i);
                    case DROPOUT -> {
                        if (layer.rate() > 0) {
                            Mask m = masks.get(maskIndex++);
                            long[] mshape = new long[m.exampleShape().length + 1];
                            mshape[0] = -1;
                            System.arraycopy(m.exampleShape(), 0, mshape, 1, m.exampleShape().length);
                            train = train.mul(sd.placeHolder(m.name(), DataType.FLOAT, mshape));
                        }
                    }
                    case DENSE -> {
                        SDVariable w = sd.var(p + "_W", glorot(new long[]{d.size(), layer.units()}, d.size(), layer.units()));
                        SDVariable b = sd.var(p + "_b", Nd4j.zeros(DataType.FLOAT, layer.units()));
                        apply(v -> activation(dense(v, w, b), layer.activation()));
                    }
                }
                d = dims.get(i);
            }
            int units = spec.outputUnits();
            SDVariable w = sd.var("output_W", glorot(new long[]{d.size(), units}, d.size(), units));
            SDVariable b = sd.var("output_b", Nd4j.zeros(DataType.FLOAT, units));
            SDVariable trainLogits = dense(train, w, b);
            SDVariable logits = train == infer ? trainLogits : dense(infer, w, b);
            double smoothing = optimizer.labelSmoothing();
            if (spec.binary()) {
                sd.nn().sigmoid(PROBS, logits);
                if (smoothing > 0) {
                    sd.loss().sigmoidCrossEntropy(LOSS, label, trainLogits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT,
                            smoothing);
                } else {
                    sd.loss().sigmoidCrossEntropy(LOSS, label, trainLogits, null);
                }
                sd.loss().sigmoidCrossEntropy(EVAL_LOSS, label, logits, null);
            } else {
                sd.nn().softmax(PROBS, logits, 1);
                if (smoothing > 0) {
                    sd.loss().softmaxCrossEntropy(LOSS, label, trainLogits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT,
                            smoothing);
                } else {
                    sd.loss().softmaxCrossEntropy(LOSS, label, trainLogits, null);
                }
                sd.loss().softmaxCrossEntropy(EVAL_LOSS, label, logits, null);
            }
            // Loss ops mark themselves as losses; only the training branch's may drive gradients.
            sd.setLossVariables(LOSS);
        }

        /** The layout an answering-branch variable is held in. */
        private int layoutOf(SDVariable v) {
            return blocked.getOrDefault(v.name(), Dnnl.NHWC);
        }

        /**
         * Whether the answering branch can pass blocked activations from convolution to convolution: until global
         * pooling it has only convolutions folded with the batch norm after them (ReLU or none) and residual blocks,
         * all of a multiple of 8 channels, so every op on its activations before pooling is an {@link AnsweringConv}.
         */
        static boolean blockable(NetworkSpec spec) {
            List<LayerSpec> layers = spec.layers();
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                if (l.type() == LayerSpec.Type.GAP) {
                    return i > 0;
                }
                boolean ok = switch (l.type()) {
                    case CONV -> LayerSpec.LINEAR.equals(l.activation()) && l.filters() % 8 == 0
                            && i + 1 < layers.size() && layers.get(i + 1).type() == LayerSpec.Type.BATCHNORM;
                    case BATCHNORM -> i > 0 && layers.get(i - 1).type() == LayerSpec.Type.CONV
                            && (l.activation() == null || LayerSpec.RELU.equals(l.activation())
                            || LayerSpec.LINEAR.equals(l.activation()));
                    case RESIDUAL -> l.filters() % 8 == 0;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
            return false;
        }

        /** Activations that commute with max-pooling: max(f(a), f(b)) = f(max(a, b)) when f never decreases. */
        private static boolean monotone(String activation) {
            return switch (activation) {
                case LayerSpec.RELU, LayerSpec.TANH, LayerSpec.LINEAR -> true;
                default -> false;
            };
        }

        private boolean poolsNext(int layer) {
            List<LayerSpec> layers = spec.layers();
            return layer + 1 < layers.size() && layers.get(layer + 1).type() == LayerSpec.Type.MAXPOOL;
        }

        private boolean batchNormNext(int layer) {
            List<LayerSpec> layers = spec.layers();
            return layer + 1 < layers.size() && layers.get(layer + 1).type() == LayerSpec.Type.BATCHNORM;
        }

        /** A batch-norm layer's variables; {@link #apply} and {@link #foldedConv} add its ops to one branch. */
        private final class BatchNorm {
            private final String name;
            private final SDVariable gamma;
            private final SDVariable beta;
            private final INDArray runningMean;
            private final INDArray runningVar;
            private final SDVariable runMean;
            private final SDVariable runVar;
            private final String batchMean;
            private final String batchVar;

            BatchNorm(String name, int channels, int layer) {
                this.name = name;
                gamma = sd.var(name + "_gamma", Nd4j.ones(DataType.FLOAT, channels));
                beta = sd.var(name + "_beta", Nd4j.zeros(DataType.FLOAT, channels));
                runningMean = Nd4j.zeros(DataType.FLOAT, channels);
                runningVar = Nd4j.ones(DataType.FLOAT, channels);
                state.put(name + "_mean", runningMean);
                state.put(name + "_var", runningVar);
                runMean = sd.constant(name + "_mean", runningMean);
                runVar = sd.constant(name + "_var", runningVar);
                batchMean = name + "_batch_mean";
                batchVar = name + "_batch_var";
                batchStats.add(new BatchStats(batchMean, batchVar, runningMean, runningVar, layer));
            }

            /**
             * Normalises, then applies ReLU if {@code relu}. Training normalises with the batch's own statistics
             * ({@link TrainingBatchNorm}, which also outputs them for the running averages, and takes the ReLU into
             * the same pass); answering uses the running statistics in libnd4j's op.
             */
            SDVariable apply(SDVariable x, boolean training, boolean relu) {
                if (!training) {
                    SDVariable y = sd.nn().batchNorm(x, runMean, runVar, gamma, beta, BN_EPSILON,
                            layout == Layout.NHWC ? 3 : 1);
                    return relu ? activation(y, LayerSpec.RELU, false) : y;
                }
                SDVariable[] out = TrainingBatchNorm.apply(sd, x, gamma, beta, BN_EPSILON, layout == Layout.NHWC, relu);
                out[1].rename(batchMean);
                out[2].rename(batchVar);
                return out[0];
            }

            /**
             * A convolution (bias may be null), this batch norm, then {@code residual} added (unless null) and ReLU
             * (if {@code relu}); answering does it all in one op.
             */
            SDVariable conv(SDVariable x, SDVariable w, SDVariable b, Conv2DConfig conf, boolean training,
                            SDVariable residual, boolean relu) {
                if (!training) {
                    return foldedConv(x, w, b, conf, residual, relu);
                }
                if (residual == null) {
                    return apply(trainingConv(x, w, b, conf), true, relu);
                }
                SDVariable y = apply(trainingConv(x, w, b, conf), true, false);
                return relu ? TrainingAddRelu.apply(sd, y, residual) : y.add(residual);
            }

            /**
             * The answering branch's convolution with this batch norm folded in (see {@link BatchNormFold}), then
             * {@code residual} (may be null) and ReLU: one {@link AnsweringConv} in NHWC, libnd4j's ops in NCHW.
             */
            SDVariable foldedConv(SDVariable x, SDVariable w, SDVariable b, Conv2DConfig conf, SDVariable residual,
                                  boolean relu) {
                BatchNormFold fold = new BatchNormFold(w.getArr(), b == null ? null : b.getArr(), gamma.getArr(),
                        beta.getArr(), runningMean, runningVar, BN_EPSILON);
                folds.add(fold);
                SDVariable fw = sd.constant(name + "_folded_W", fold.weights());
                SDVariable fb = sd.constant(name + "_folded_b", fold.bias());
                if (layout == Layout.NHWC) {
                    // A convolution reads and writes the answering layout once its input is in it; the first one
                    // writes NHWC, copied into that layout after it (see Relayout).
                    int in = layoutOf(x);
                    int[] layouts = {in, in, residual == null ? in : layoutOf(residual)};
                    SDVariable y = AnsweringConv.apply(sd, x, fw, fb, residual, (int) conf.getKH(),
                            (int) conf.getSH(), conf.getPaddingMode() == PaddingMode.SAME, relu, layouts);
                    if (in != answeringLayout) {
                        y = Relayout.apply(sd, y, in, answeringLayout);
                    }
                    if (answeringLayout != Dnnl.NHWC) {
                        blocked.put(y.name(), answeringLayout);
                    }
                    return y;
                }
                SDVariable y = sd.cnn().conv2d(x, fw, fb, conf);
                y = residual == null ? y : y.add(residual);
                return relu ? activation(y, LayerSpec.RELU, false) : y;
            }
        }

        /**
         * A convolution of the training branch (bias may be null): oneDNN's primitives on NHWC throughout
         * ({@link TrainingConv}), libnd4j's op in NCHW.
         */
        private SDVariable trainingConv(SDVariable x, SDVariable w, SDVariable b, Conv2DConfig conf) {
            if (layout == Layout.NHWC) {
                return TrainingConv.apply(sd, x, w, b, (int) conf.getKH(), (int) conf.getSH(),
                        conf.getPaddingMode() == PaddingMode.SAME, x.getVariableType() != VariableType.PLACEHOLDER);
            }
            return b == null ? sd.cnn().conv2d(x, w, conf) : sd.cnn().conv2d(x, w, b, conf);
        }

        /** Scale and shift per channel (trained), running mean and variance (saved, not trained). */
        private BatchNorm batchNorm(String name, NetworkSpec.Dims d, int layer) {
            return new BatchNorm(name, d.channels(), layer);
        }

        /** A basic residual block (see {@link LayerSpec.Type#RESIDUAL}), He-initialised as torchvision's ResNets. */
        private void residual(String name, LayerSpec layer, NetworkSpec.Dims in, int index) {
            int f = layer.filters();
            int stride = layer.strideOrOne();
            NetworkSpec.Dims out = new NetworkSpec.Dims((in.height() + stride - 1) / stride,
                    (in.width() + stride - 1) / stride, f, false);
            SDVariable w1 = sd.var(name + "_conv1_W", heNormal(new long[]{3, 3, in.channels(), f}, 9L * f));
            BatchNorm bn1 = batchNorm(name + "_bn1", out, index);
            SDVariable w2 = sd.var(name + "_conv2_W", heNormal(new long[]{3, 3, f, f}, 9L * f));
            BatchNorm bn2 = batchNorm(name + "_bn2", out, index);
            boolean projects = NetworkSpec.projects(layer, in.channels());
            SDVariable wp = projects ? sd.var(name + "_proj_W", heNormal(new long[]{1, 1, in.channels(), f}, f)) : null;
            BatchNorm bnp = projects ? batchNorm(name + "_bnp", out, index) : null;
            Conv2DConfig first = convConfig(3, stride);
            Conv2DConfig second = convConfig(3, 1);
            Conv2DConfig shortcut = convConfig(1, stride);
            branch((x, training) -> {
                SDVariable h = bn1.conv(x, w1, null, first, training, null, true);
                SDVariable s = projects ? bnp.conv(x, wp, null, shortcut, training, null, false) : x;
                return bn2.conv(h, w2, null, second, training, s, true);
            });
        }

        private Conv2DConfig convConfig(int kernel, int stride) {
            return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                    .paddingMode(PaddingMode.SAME)
                    .dataFormat(layout == Layout.NCHW ? "NCHW" : "NHWC")
                    .build();
        }

        /** Builds a layer into each branch: training and answering differ from the first batch-norm on. */
        private void branch(BiFunction<SDVariable, Boolean, SDVariable> layer) {
            SDVariable t = layer.apply(train, true);
            SDVariable i = layer.apply(infer, false);
            train = t;
            infer = i;
        }

        /** Applies a layer to both branches, once while they are still the same variable. */
        private void apply(UnaryOperator<SDVariable> layer) {
            if (train == infer) {
                train = layer.apply(train);
                infer = train;
            } else {
                train = layer.apply(train);
                infer = layer.apply(infer);
            }
        }

        private static SDVariable dense(SDVariable x, SDVariable w, SDVariable b) {
            return x.mmul(w).add(b);
        }

        private SDVariable activation(SDVariable v, String activation) {
            return activation(v, activation, true);
        }

        /**
         * An activation for the training branch (or for both while they are one), or for the answering branch only.
         * ReLU trains as {@link TrainingRelu}, whose backward pass is 3 times faster than SameDiff's; answering keeps
         * SameDiff's own ReLU (half the time of libnd4j's custom op on a batch of 64, though not on a single image).
         */
        private SDVariable activation(SDVariable v, String activation, boolean training) {
            return switch (activation) {
                case LayerSpec.RELU -> training ? TrainingRelu.apply(sd, v) : sd.nn().relu(v, 0.0);
                case LayerSpec.TANH -> sd.math().tanh(v);
                case LayerSpec.LINEAR -> v;
                default -> throw new IllegalArgumentException("unknown activation " + activation);
            };
        }

        /** He-normal weights over the fan-out (torchvision's ResNet initialisation), drawn from the spec's seed. */
        private INDArray heNormal(long[] shape, long fanOut) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            double std = Math.sqrt(2.0 / fanOut);
            float[] values = new float[Math.toIntExact(n)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (init.nextGaussian() * std);
            }
            return Nd4j.create(values, shape, 'c');
        }

        /** Glorot-uniform weights (Keras' default) drawn in Java, so the same seed gives the same network. */
        private INDArray glorot(long[] shape, long fanIn, long fanOut) {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            float[] values = new float[Math.toIntExact(n)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((init.nextDouble() * 2 - 1) * limit);
            }
            return Nd4j.create(values, shape, 'c');
        }
    }
}
