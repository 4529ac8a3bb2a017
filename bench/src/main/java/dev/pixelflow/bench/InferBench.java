package dev.pixelflow.bench;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutChange;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.inference.InferenceSettings;
import dev.pixelflow.inference.InferenceWorker;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Inference: the bare limit is engine.output() on preloaded float batches; the pipeline is the inference worker
 * on an embedded broker, fed real JPEGs of dogs-vs-cats/test by a client that keeps it busy, at each engine batch
 * size; then an open-loop client at half that throughput for the latency a lightly loaded service gives.
 *
 * <p>Bare and pipeline are measured in alternating slices (bare, pipeline, pipeline, bare, ...) with the worker
 * and a bare engine both loaded in this process, so both see the same machine: on this shared 2-core VM the speed
 * of identical engine calls drifts by up to 30% within minutes, and a bare figure taken minutes away from its
 * pipeline figure made the ratio a matter of luck.
 *
 * <p>At batch {@value #SHADOW_BATCH} it also measures what a shadow version costs: the same closed loop with and
 * without one, in alternating slices, switched by rollout records.
 */
final class InferBench implements Bench {
    static final ImageShape SHAPE = new ImageShape(150, 150, 3);
    static final int[] BATCH_SIZES = {1, 8, 32};
    static final int HEADLINE_BATCH = 32;
    /** The batch size the cost of a shadow is measured at: the headline one (the run is long enough already). */
    static final int SHADOW_BATCH = HEADLINE_BATCH;
    static final double GOAL = 0.90;
    private static final List<String> CLASSES = List.of("cat", "dog");
    private static final String MODEL = "bench-pets";
    private static final Duration MAX_PIPELINE_WARMUP = Duration.ofSeconds(90);
    private static final Duration SHADOW_SWITCH_TIMEOUT = Duration.ofSeconds(60);

    /** One bare slice: images through output() in a time, and the process CPU it took. */
    private record BareSlice(long images, double seconds, double cpuSeconds) {
    }

    /**
     * The same closed-loop load with and without a shadow version of the model, in alternating slices (empty when not
     * measured at this batch size).
     */
    private record ShadowCost(List<LoadClient.Result> none, List<LoadClient.Result> shadow, long shadowAnswers) {
        static final ShadowCost NONE = new ShadowCost(List.of(), List.of(), 0);

        static double rate(List<LoadClient.Result> slices) {
            return slices.stream().mapToLong(LoadClient.Result::answered).sum()
                    / slices.stream().mapToDouble(LoadClient.Result::seconds).sum();
        }

        static double cpuMs(List<LoadClient.Result> slices) {
            return slices.stream().mapToDouble(LoadClient.Result::cpuSeconds).sum() * 1000
                    / slices.stream().mapToLong(LoadClient.Result::answered).sum();
        }

        static double[] latencies(List<LoadClient.Result> slices) {
            return slices.stream().flatMapToDouble(r -> java.util.Arrays.stream(r.latencyMs())).toArray();
        }
    }

    /** Everything measured at one engine batch size. */
    private record Measured(List<BareSlice> bare, List<LoadClient.Result> pipeline, LoadClient.Result paced,
                            double meanEngineBatch, ShadowCost shadowCost) {
        double bareRate() {
            return bare.stream().mapToLong(BareSlice::images).sum() / bare.stream().mapToDouble(BareSlice::seconds).sum();
        }

        double pipelineRate() {
            return pipeline.stream().mapToLong(LoadClient.Result::answered).sum()
                    / pipeline.stream().mapToDouble(LoadClient.Result::seconds).sum();
        }

        double brokerCpuMs() {
            return pipeline.stream().mapToDouble(LoadClient.Result::brokerCpuSeconds).sum() * 1000
                    / pipeline.stream().mapToLong(LoadClient.Result::answered).sum();
        }

        double bareCpuMs() {
            return bare.stream().mapToDouble(BareSlice::cpuSeconds).sum() * 1000
                    / bare.stream().mapToLong(BareSlice::images).sum();
        }

        double pipelineCpuMs() {
            return pipeline.stream().mapToDouble(LoadClient.Result::cpuSeconds).sum() * 1000
                    / pipeline.stream().mapToLong(LoadClient.Result::answered).sum();
        }

        /** Pipeline/bare of each round alone: their spread shows how far the machine moved during the run. */
        double[] roundRatios() {
            double[] out = new double[pipeline.size()];
            for (int r = 0; r < out.length; r++) {
                out[r] = pipeline.get(r).perSecond() / (bare.get(r).images() / bare.get(r).seconds());
            }
            return out;
        }

        double[] latencies() {
            return pipeline.stream().flatMapToDouble(r -> java.util.Arrays.stream(r.latencyMs())).toArray();
        }
    }

    @Override
    public Report run(boolean quick) throws Exception {
        int rounds = quick ? 2 : 3;
        Duration slice = Duration.ofSeconds(quick ? 6 : 15);
        Duration jit = Duration.ofSeconds(quick ? 6 : 15);
        Duration paced = Duration.ofSeconds(quick ? 10 : 30);
        Report report = new Report("infer", quick);
        List<Photos.Photo> photos = Photos.load("test", 1000);
        List<byte[]> jpegs = photos.stream().map(Photos.Photo::bytes).toList();
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        byte[][] pixels = new byte[4 * HEADLINE_BATCH][];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = pre.toHwc(jpegs.get(i), SHAPE);
        }
        NetworkSpec spec = NetworkSpec.preset("small-vgg", SHAPE, 2);
        Progress.say("infer: small-vgg %s (untrained), %d test JPEGs as requests, %d rounds of %s slices per batch size",
                SHAPE, jpegs.size(), rounds, slice);
        report.figure("infer.request_images", jpegs.size(), "images", 0);

        Map<Integer, Measured> measured = new LinkedHashMap<>();
        String threads;
        try (LocalKafka kafka = LocalKafka.startProcess();
             ClassifierEngine bare = Engines.create(spec, OptimizerSpec.defaults())) {
            warmUpJit(bare, pixels[0], jit);
            byte[] artifact = artifact(spec);
            String[] where = new String[1];
            for (int b : BATCH_SIZES) {
                measured.put(b, measure(kafka, artifact, bare, pixels, b, jpegs, rounds, slice, paced, where));
            }
            threads = where[0];
        }

        for (int b : BATCH_SIZES) {
            Measured m = measured.get(b);
            double[] roundRatios = m.roundRatios();
            report.figure("infer.bare.b" + b, m.bareRate(), "images/s", 1);
            report.figure("infer.pipeline.b" + b, m.pipelineRate(), "requests/s", 1);
            report.figure("infer.pipeline.b" + b + ".p50", Percentiles.of(m.latencies(), 50), "ms", 1);
            report.figure("infer.pipeline.b" + b + ".p99", Percentiles.of(m.latencies(), 99), "ms", 1);
            report.figure("infer.pipeline.b" + b + ".errors", m.pipeline().stream().mapToLong(LoadClient.Result::errors).sum(),
                    "requests", 0);
            report.figure("infer.pipeline.b" + b + ".mean_engine_batch", m.meanEngineBatch(), "images", 1);
            report.figure("infer.round_ratio.b" + b + ".min", java.util.Arrays.stream(roundRatios).min().orElse(Double.NaN),
                    "ratio", 2);
            report.figure("infer.round_ratio.b" + b + ".max", java.util.Arrays.stream(roundRatios).max().orElse(Double.NaN),
                    "ratio", 2);
            report.figure("infer.bare.b" + b + ".cpu", m.bareCpuMs(), "ms/image");
            report.figure("infer.pipeline.b" + b + ".cpu", m.pipelineCpuMs(), "ms/request");
            report.figure("infer.pipeline.b" + b + ".broker_cpu", m.brokerCpuMs(), "ms/request");
            // What the throughput ratio would be if CPU were the only limit and nothing else ran on these cores.
            report.figure("infer.cpu_ratio.b" + b, m.bareCpuMs() / m.pipelineCpuMs(), "ratio", 2);
            report.figure("infer.paced.b" + b + ".rate", m.paced().perSecond(), "requests/s", 1);
            report.figure("infer.paced.b" + b + ".p50", Percentiles.of(m.paced().latencyMs(), 50), "ms", 1);
            report.figure("infer.paced.b" + b + ".p99", Percentiles.of(m.paced().latencyMs(), 99), "ms", 1);
            ShadowCost sc = m.shadowCost();
            if (!sc.shadow().isEmpty()) {
                shadowFigures(report, "infer.shadow_cost.b" + b + ".none", sc.none());
                shadowFigures(report, "infer.shadow_cost.b" + b + ".shadow", sc.shadow());
                report.figure("infer.shadow_cost.b" + b + ".shadow_answers", sc.shadowAnswers(), "answers", 0);
            }
        }
        report.note("per batch size " + rounds + " rounds, each a " + slice + " bare slice of engine.output() and a " + slice
                + " pipeline slice, in the order bare-pipeline, pipeline-bare, ... (after " + jit
                + " of JIT warm-up and a model warm-up for the pipeline); pipeline = closed loop with 4x batch (at least 8)"
                + " requests in flight, each slice measured after its in-flight window is full; paced = open loop at half the"
                + " closed-loop throughput for " + paced + "; latencies are client-measured (send to read_committed receipt);"
                + " cpu = CPU time per image of this process in the bare slices, and of this process (worker and client) plus"
                + " the broker process in the pipeline slices; cpu_ratio = bare cpu / pipeline cpu; round_ratio = the ratio of"
                + " one round alone");
        report.note("infer pipeline CPU by thread group in the last pipeline slice at batch " + HEADLINE_BATCH
                + " (worker and client in one process): " + threads);
        report.note("shadow cost at batch " + SHADOW_BATCH + ": the same closed loop (" + rounds + " rounds, each a " + slice
                + " slice without and one with a shadow version, in the order none-shadow, shadow-none, ...) after the"
                + " paced run; the shadow is version 1 of the same network beside production version 2, switched with a"
                + " models.rollout record, and each slice starts once the worker has applied the switch (shadow answers"
                + " counted, or no longer counted, on its metrics)");
        ShadowCost sc = measured.get(SHADOW_BATCH).shadowCost();
        report.ratio("infer shadow/none (batch " + SHADOW_BATCH + ")", ShadowCost.rate(sc.shadow()) / ShadowCost.rate(sc.none()),
                null);
        for (int b : BATCH_SIZES) {
            if (b != HEADLINE_BATCH) {
                report.ratio("infer pipeline/bare (batch " + b + ")", measured.get(b).pipelineRate() / measured.get(b).bareRate(),
                        null);
            }
        }
        Measured headline = measured.get(HEADLINE_BATCH);
        report.ratio("infer pipeline/bare (batch " + HEADLINE_BATCH + ")", headline.pipelineRate() / headline.bareRate(), GOAL);
        return report;
    }

    private static void shadowFigures(Report report, String name, List<LoadClient.Result> slices) {
        report.figure(name, ShadowCost.rate(slices), "requests/s", 1);
        report.figure(name + ".p50", Percentiles.of(ShadowCost.latencies(slices), 50), "ms", 1);
        report.figure(name + ".p99", Percentiles.of(ShadowCost.latencies(slices), 99), "ms", 1);
        report.figure(name + ".cpu", ShadowCost.cpuMs(slices), "ms/request");
    }

    /**
     * At batch 1 a call is mostly SameDiff's Java graph walk, interpreted for the first few hundred calls: warm up
     * by time with the cheapest calls, so that no measurement is one of the interpreter.
     */
    private static void warmUpJit(ClassifierEngine engine, byte[] pixels, Duration time) {
        float[] one = new float[SHAPE.length()];
        ImagePreprocessor.toUnitFloat(pixels, SHAPE, one, 0, engine.channelsFirst());
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < time.toNanos()) {
            engine.output(one, 1);
        }
    }

    /** Alternating bare and pipeline slices at one batch size, then the paced run; the worker lives for all of it. */
    private static Measured measure(LocalKafka kafka, byte[] artifact, ClassifierEngine bare, byte[][] pixels, int batch,
                                    List<byte[]> jpegs, int rounds, Duration slice, Duration paced, String[] threads)
            throws Exception {
        float[][] batches = batches(bare, pixels, batch);
        String prefix = "bench-infer-b" + batch + ".";
        Topics topics = kafka.topics(prefix);
        publish(kafka, topics, artifact, 1);
        if (batch == SHADOW_BATCH) {
            // The same network again as version 2: production (the newest, as before), with version 1 to shadow it.
            publish(kafka, topics, artifact, 2);
        }
        Map<String, String> env = kafka.env(prefix, "inference", "PIXELFLOW_BATCH_SIZE", Integer.toString(batch),
                "PIXELFLOW_INFERENCE_GROUP", prefix + "inference");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerContext ctx = LocalKafka.context("inference", env, registry);
        InferenceWorker worker = new InferenceWorker(ctx, InferenceSettings.from(ConfigSource.of(env)));
        worker.start();
        try {
            awaitReady(worker);
            int window = Math.max(8, 4 * batch);
            // A full window takes a few engine calls to build up; the first slice also warms the worker's engine.
            Duration fill = Duration.ofMillis(Math.max(3000, 4L * batch * 1000 / 30));
            List<BareSlice> bareSlices = new ArrayList<>();
            List<LoadClient.Result> pipeSlices = new ArrayList<>();
            try (LoadClient client = new LoadClient(kafka.bootstrap(), topics, jpegs)) {
                warmUpPipeline(kafka, client, window, batch);
                bareSlice(bare, batches, batch, slice); // bare warm-up at this batch size, not measured
                for (int r = 0; r < rounds; r++) {
                    boolean bareFirst = r % 2 == 0;
                    if (bareFirst) {
                        bareSlices.add(bareSlice(bare, batches, batch, slice));
                    }
                    ThreadCpu threads0 = ThreadCpu.snapshot();
                    ThreadCpu broker0 = kafka.brokerThreads();
                    pipeSlices.add(client.closedLoop(window, fill, slice,
                            () -> Cpu.processNanos() + Math.max(0, kafka.brokerCpuNanos()), kafka::brokerCpuNanos));
                    if (batch == HEADLINE_BATCH) {
                        ThreadCpu broker1 = kafka.brokerThreads();
                        threads[0] = ThreadCpu.describe(ThreadCpu.snapshot().since(threads0), 8)
                                + (broker0 == null ? "" : "; broker: " + ThreadCpu.describe(broker1.since(broker0), 8));
                    }
                    if (!bareFirst) {
                        bareSlices.add(bareSlice(bare, batches, batch, slice));
                    }
                    BareSlice b = bareSlices.get(r);
                    LoadClient.Result p = pipeSlices.get(r);
                    Progress.say("infer: batch %d, round %d/%d: bare %.1f images/s, pipeline %.1f requests/s (%d in flight,"
                                    + " p50 %.0f ms, %d errors) -> %.2f", batch, r + 1, rounds, b.images() / b.seconds(),
                            p.perSecond(), window, Percentiles.of(p.latencyMs(), 50), p.errors(),
                            p.perSecond() / (b.images() / b.seconds()));
                }
                DistributionSummary calls = registry.find("pixelflow_inference_batch_size").summary();
                double meanBatch = calls == null ? Double.NaN : calls.mean();
                double full = pipeSlices.stream().mapToLong(LoadClient.Result::answered).sum()
                        / pipeSlices.stream().mapToDouble(LoadClient.Result::seconds).sum();
                double rate = Math.max(0.5, full / 2);
                LoadClient.Result half = client.paced(rate, paced);
                Progress.say("infer paced: batch %d at %.1f requests/s: p50 %.0f ms, p99 %.0f ms (%d of %d answered)", batch,
                        rate, Percentiles.of(half.latencyMs(), 50), Percentiles.of(half.latencyMs(), 99), half.answered(),
                        half.sent());
                ShadowCost shadowCost = batch != SHADOW_BATCH ? ShadowCost.NONE
                        : shadowCost(kafka, topics, client, registry, window, fill, slice, rounds);
                return new Measured(bareSlices, pipeSlices, half, meanBatch, shadowCost);
            }
        } finally {
            worker.stop();
        }
    }

    /**
     * The same closed loop without and with a shadow of the model, alternating (none-shadow, shadow-none, ...) so that
     * both see the same machine. The shadow is switched by a rollout record, as {@code models shadow} writes it.
     */
    private static ShadowCost shadowCost(LocalKafka kafka, Topics topics, LoadClient client, SimpleMeterRegistry registry,
                                         int window, Duration fill, Duration slice, int rounds) {
        RolloutCatalog rollouts = new RolloutCatalog(kafka.clients(), topics.modelsRollout.name());
        RolloutState shadowed = RolloutState.initial(MODEL, 2).withShadow(1, RolloutChange.now("shadow", "bench infer", null));
        RolloutState plain = shadowed.withoutShadow(RolloutChange.now("shadow-stop", "bench infer", null));
        List<LoadClient.Result> without = new ArrayList<>();
        List<LoadClient.Result> with = new ArrayList<>();
        long shadowAnswers = 0;
        // The first switch also loads version 1 into the worker: not measured.
        switchShadow(rollouts, shadowed, client, registry, window);
        client.closedLoop(window, fill, Duration.ZERO, () -> -1, () -> -1);
        for (int r = 0; r < rounds; r++) {
            for (boolean on : r % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                switchShadow(rollouts, on ? shadowed : plain, client, registry, window);
                double before = shadowAnswers(registry);
                LoadClient.Result p = client.closedLoop(window, fill, slice,
                        () -> Cpu.processNanos() + Math.max(0, kafka.brokerCpuNanos()), kafka::brokerCpuNanos);
                long answers = Math.round(shadowAnswers(registry) - before);
                (on ? with : without).add(p);
                if (on) {
                    shadowAnswers += answers; // over the fill and the slice: that the shadow ran, not a rate
                }
                Progress.say("infer shadow cost: batch %d, round %d/%d, %s: %.1f requests/s (p50 %.0f ms, %d errors, %d shadow"
                                + " answers)", SHADOW_BATCH, r + 1, rounds, on ? "with a shadow" : "no shadow", p.perSecond(),
                        Percentiles.of(p.latencyMs(), 50), p.errors(), answers);
            }
        }
        return new ShadowCost(without, with, shadowAnswers);
    }

    /**
     * Writes {@code state} and runs the load unmeasured until the worker has applied it: shadow answers are counted
     * (shadow on) or no longer counted (off) over a whole step. A change applies between batches within a poll of the
     * rollout topic; the first one with a shadow also loads it.
     */
    private static void switchShadow(RolloutCatalog rollouts, RolloutState state, LoadClient client,
                                     SimpleMeterRegistry registry, int window) {
        rollouts.write(state);
        boolean on = state.shadow() != null;
        long t0 = System.nanoTime();
        while (true) {
            double before = shadowAnswers(registry);
            client.closedLoop(window, Duration.ofSeconds(1), Duration.ZERO, () -> -1, () -> -1);
            if (shadowAnswers(registry) > before == on) {
                return;
            }
            if (System.nanoTime() - t0 > SHADOW_SWITCH_TIMEOUT.toNanos()) {
                throw new IllegalStateException("the inference worker did not " + (on ? "start" : "stop") + " its shadow within "
                        + SHADOW_SWITCH_TIMEOUT.toSeconds() + " s of the rollout record; see its log above");
            }
        }
    }

    /** Shadow answers the worker has sent so far (its {@code pixelflow_inference_routed{route=shadow}} counters). */
    private static double shadowAnswers(SimpleMeterRegistry registry) {
        return registry.find("pixelflow_inference_routed").tag("route", "shadow").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * Runs the pipeline unmeasured until the JIT compilers of this process and of the broker have gone quiet (under
     * a tenth of a core over a 3 s slice), at most {@link #MAX_PIPELINE_WARMUP}: a worker and a broker compile for
     * minutes after they start, and that is not what a running service costs.
     */
    private static void warmUpPipeline(LocalKafka kafka, LoadClient client, int window, int batch) {
        Duration step = Duration.ofSeconds(3);
        long t0 = System.nanoTime();
        double compiling;
        do {
            ThreadCpu self0 = ThreadCpu.snapshot();
            ThreadCpu broker0 = kafka.brokerThreads();
            long s0 = System.nanoTime();
            client.closedLoop(window, step, Duration.ZERO, () -> -1, () -> -1);
            double seconds = (System.nanoTime() - s0) / 1e9;
            compiling = (compiling(ThreadCpu.snapshot().since(self0))
                    + (broker0 == null ? 0 : compiling(kafka.brokerThreads().since(broker0)))) / seconds;
        } while (compiling > 0.1 && System.nanoTime() - t0 < MAX_PIPELINE_WARMUP.toNanos());
        Progress.say("infer: batch %d: pipeline warmed up in %.0f s (JIT compiling %.0f%% of a core at the end)", batch,
                (System.nanoTime() - t0) / 1e9, compiling * 100);
    }

    private static double compiling(Map<String, Double> groups) {
        return groups.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre")).mapToDouble(Map.Entry::getValue)
                .sum();
    }

    private static void awaitReady(InferenceWorker worker) throws InterruptedException {
        long t0 = System.nanoTime();
        while (!worker.ready()) {
            if (worker.finished() || !worker.healthy()) {
                throw new IllegalStateException("the inference worker stopped before serving; see its log above");
            }
            if (System.nanoTime() - t0 > Duration.ofMinutes(3).toNanos()) {
                throw new IllegalStateException("the inference worker did not load the model within 3 minutes");
            }
            Thread.sleep(100); // waiting for the model follower; not a measurement
        }
    }

    /** Four different batches of real decoded photos, as the engine takes them. */
    private static float[][] batches(ClassifierEngine engine, byte[][] pixels, int batch) {
        int len = SHAPE.length();
        float[][] batches = new float[4][batch * len];
        for (int k = 0; k < batches.length; k++) {
            for (int i = 0; i < batch; i++) {
                ImagePreprocessor.toUnitFloat(pixels[(k * batch + i) % pixels.length], SHAPE, batches[k], i * len,
                        engine.channelsFirst());
            }
        }
        return batches;
    }

    /** engine.output() back to back for {@code time} (at least three calls). */
    private static BareSlice bareSlice(ClassifierEngine engine, float[][] batches, int batch, Duration time) {
        long cpu0 = Cpu.processNanos();
        long t0 = System.nanoTime();
        long calls = 0;
        double elapsed;
        do {
            engine.output(batches[(int) (calls % batches.length)], batch);
            calls++;
            elapsed = (System.nanoTime() - t0) / 1e9;
        } while (elapsed < time.toNanos() / 1e9 || calls < 3);
        return new BareSlice(calls * batch, elapsed, (Cpu.processNanos() - cpu0) / 1e9);
    }

    /** The engine file of the untrained reference network, as the trainer would publish it (no optimizer state). */
    private static byte[] artifact(NetworkSpec spec) throws Exception {
        Path file = Files.createTempFile("pixelflow-bench-model-", ".engine");
        try (ClassifierEngine engine = Engines.create(spec, OptimizerSpec.defaults())) {
            engine.save(file, false);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Publishes a version of the model in one transaction, as the trainer does. */
    private static void publish(LocalKafka kafka, Topics topics, byte[] artifact, int version) {
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, MODEL, version, Instant.now(), "bench", "samediff",
                "{}", Map.of(), 0, List.of(), CLASSES, SHAPE, ImagePreprocessor.fingerprint(SHAPE), ContentHash.sha256Hex(artifact),
                artifact.length, ModelPublisher.chunkCount(artifact.length));
        try (KafkaProducer<String, byte[]> producer = kafka.clients().transactionalProducer(
                "pixelflow-bench-publisher-" + topics.prefix() + version, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            ModelPublisher.send(producer, topics.models.name(), manifest, artifact);
            producer.commitTransaction();
        }
    }
}
