package dev.pixelflow.bench;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.engine.ClassifierEngine;
import dev.pixelflow.common.engine.Engines;
import dev.pixelflow.common.engine.NetworkSpec;
import dev.pixelflow.common.engine.OptimizerSpec;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelPublisher;
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
 */
final class InferBench implements Bench {
    static final ImageShape SHAPE = new ImageShape(150, 150, 3);
    static final int[] BATCH_SIZES = {1, 8, 32};
    static final int HEADLINE_BATCH = 32;
    static final double GOAL = 0.90;
    private static final List<String> CLASSES = List.of("cat", "dog");
    private static final String MODEL = "bench-pets";

    @Override
    public Report run(boolean quick) throws Exception {
        double bareSeconds = quick ? 6 : 15;
        Duration warmup = Duration.ofSeconds(quick ? 5 : 10);
        Duration measure = Duration.ofSeconds(quick ? 10 : 30);
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
        Progress.say("infer: small-vgg %s (untrained), %d test JPEGs as requests", SHAPE, jpegs.size());
        report.figure("infer.request_images", jpegs.size(), "images", 0);

        Map<Integer, Double> bareCpu = new LinkedHashMap<>();
        Map<Integer, Double> bareBefore = bare(spec, pixels, bareSeconds, bareCpu);
        Map<Integer, LoadClient.Result[]> pipeline = new LinkedHashMap<>();
        try (LocalKafka kafka = LocalKafka.startProcess()) {
            byte[] artifact = artifact(spec);
            for (int b : BATCH_SIZES) {
                pipeline.put(b, pipeline(kafka, artifact, b, jpegs, warmup, measure, paced, report));
            }
        }
        Map<Integer, Double> bareAfter = bare(spec, pixels, bareSeconds, bareCpu);

        Map<Integer, Double> bare = new LinkedHashMap<>();
        for (int b : BATCH_SIZES) {
            bare.put(b, Percentiles.mean(bareBefore.get(b), bareAfter.get(b)));
            report.figure("infer.bare.b" + b + ".before", bareBefore.get(b), "images/s", 1);
            report.figure("infer.bare.b" + b + ".after", bareAfter.get(b), "images/s", 1);
            report.figure("infer.bare.b" + b, bare.get(b), "images/s", 1);
        }
        for (int b : BATCH_SIZES) {
            LoadClient.Result full = pipeline.get(b)[0];
            LoadClient.Result half = pipeline.get(b)[1];
            report.figure("infer.pipeline.b" + b, full.perSecond(), "requests/s", 1);
            report.figure("infer.pipeline.b" + b + ".p50", Percentiles.of(full.latencyMs(), 50), "ms", 1);
            report.figure("infer.pipeline.b" + b + ".p99", Percentiles.of(full.latencyMs(), 99), "ms", 1);
            report.figure("infer.pipeline.b" + b + ".worker_p50", Percentiles.of(full.workerLatencyMs(), 50), "ms", 1);
            report.figure("infer.pipeline.b" + b + ".errors", full.errors(), "requests", 0);
            double pipelineCpu = full.cpuSeconds() * 1000 / full.answered();
            report.figure("infer.bare.b" + b + ".cpu", bareCpu.get(b), "ms/image");
            report.figure("infer.pipeline.b" + b + ".cpu", pipelineCpu, "ms/request");
            // What the throughput ratio would be if CPU were the only limit and nothing else ran on these cores.
            report.figure("infer.cpu_ratio.b" + b, bareCpu.get(b) / pipelineCpu, "ratio", 2);
            report.figure("infer.paced.b" + b + ".rate", half.perSecond(), "requests/s", 1);
            report.figure("infer.paced.b" + b + ".p50", Percentiles.of(half.latencyMs(), 50), "ms", 1);
            report.figure("infer.paced.b" + b + ".p99", Percentiles.of(half.latencyMs(), 99), "ms", 1);
        }
        report.note("bare = mean of engine.output() throughput before and after the pipeline, " + bareSeconds
                + " s per batch size after " + bareSeconds / 3 + " s of warm-up; pipeline = closed loop with 4x batch (at least 8) requests in flight, " + warmup
                + " warm-up then " + measure + " measured; paced = open loop at half the closed-loop throughput for "
                + paced + "; latencies are client-measured (send to read_committed receipt); cpu = CPU time per image of the"
                + " bare loop's process, and of the bench process (worker and client) plus the broker process in the"
                + " pipeline's measured window; cpu_ratio = bare cpu / pipeline cpu");
        for (int b : BATCH_SIZES) {
            if (b != HEADLINE_BATCH) {
                report.ratio("infer pipeline/bare (batch " + b + ")", pipeline.get(b)[0].perSecond() / bare.get(b), null);
            }
        }
        report.ratio("infer pipeline/bare (batch " + HEADLINE_BATCH + ")",
                pipeline.get(HEADLINE_BATCH)[0].perSecond() / bare.get(HEADLINE_BATCH), GOAL);
        return report;
    }

    /** images/s of engine.output() per batch size, on batches made from real decoded photos; CPU ms/image into cpu. */
    static Map<Integer, Double> bare(NetworkSpec spec, byte[][] pixels, double seconds, Map<Integer, Double> cpu) {
        Map<Integer, Double> out = new LinkedHashMap<>();
        try (ClassifierEngine engine = Engines.create(spec, OptimizerSpec.defaults())) {
            int len = SHAPE.length();
            // JIT warm-up of SameDiff's Java side with the cheapest calls, so the first measurement is not a
            // measurement of the interpreter (the pipeline's own engine then starts with a compiled SameDiff).
            float[] one = new float[len];
            ImagePreprocessor.toUnitFloat(pixels[0], SHAPE, one, 0, engine.channelsFirst());
            long jit = System.nanoTime();
            while (System.nanoTime() - jit < (long) (seconds * 1e9)) {
                engine.output(one, 1);
            }
            for (int b : BATCH_SIZES) {
                float[][] batches = new float[4][b * len];
                for (int k = 0; k < batches.length; k++) {
                    for (int i = 0; i < b; i++) {
                        ImagePreprocessor.toUnitFloat(pixels[(k * b + i) % pixels.length], SHAPE, batches[k], i * len,
                                engine.channelsFirst());
                    }
                }
                // Warm-up by time, not by calls: at batch 1 a call is mostly SameDiff's Java graph walk, which is
                // interpreted for the first few hundred calls; a cold JIT halved the first measurement.
                long warm = System.nanoTime();
                for (int w = 0; w < 3 || System.nanoTime() - warm < (long) (seconds / 3 * 1e9); w++) {
                    engine.output(batches[w % batches.length], b);
                }
                long cpu0 = Cpu.processNanos();
                long t0 = System.nanoTime();
                long calls = 0;
                double elapsed;
                do {
                    engine.output(batches[(int) (calls % batches.length)], b);
                    calls++;
                    elapsed = (System.nanoTime() - t0) / 1e9;
                } while (elapsed < seconds || calls < 3);
                double rate = calls * b / elapsed;
                cpu.merge(b, (Cpu.processNanos() - cpu0) / 1e6 / (calls * b) / 2, Double::sum); // mean of two runs
                Progress.say("infer bare: batch %d: %.1f images/s (%d calls in %.1f s)", b, rate, calls, elapsed);
                out.put(b, rate);
            }
        }
        return out;
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

    /** [closed loop, paced at half its throughput] for one engine batch size. */
    private static LoadClient.Result[] pipeline(LocalKafka kafka, byte[] artifact, int batch, List<byte[]> jpegs,
                                                Duration warmup, Duration measure, Duration paced, Report report)
            throws Exception {
        String prefix = "bench-infer-b" + batch + ".";
        Topics topics = kafka.topics(prefix);
        publish(kafka, topics, artifact);
        Map<String, String> env = kafka.env(prefix, "inference", "PIXELFLOW_BATCH_SIZE", Integer.toString(batch),
                "PIXELFLOW_INFERENCE_GROUP", prefix + "inference");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerContext ctx = LocalKafka.context("inference", env, registry);
        InferenceWorker worker = new InferenceWorker(ctx, InferenceSettings.from(ConfigSource.of(env)));
        worker.start();
        try {
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
            int window = Math.max(8, 4 * batch);
            try (LoadClient client = new LoadClient(kafka.bootstrap(), topics, jpegs)) {
                ThreadCpu threads0 = ThreadCpu.snapshot();
                long broker0 = kafka.brokerCpuNanos();
                // CPU of everything the pipeline runs: this process (worker and client) plus the broker's process.
                LoadClient.Result full = client.closedLoop(window, warmup, measure,
                        () -> Cpu.processNanos() + Math.max(0, kafka.brokerCpuNanos()));
                DistributionSummary batches = registry.find("pixelflow_inference_batch_size").summary();
                if (batches != null && batches.count() > 0) {
                    // Engine calls shorter than the batch size cost more per image; the bare loop never has them.
                    report.figure("infer.pipeline.b" + batch + ".mean_engine_batch", batches.mean(), "images", 1);
                    Progress.say("infer pipeline: batch %d: %d engine calls, %.1f images per call on average (warm-up included)",
                            batch, batches.count(), batches.mean());
                }
                String where = ThreadCpu.describe(ThreadCpu.snapshot().since(threads0), 8)
                        + (broker0 < 0 ? "" : String.format(java.util.Locale.ROOT, "; broker process %.1f s",
                                (kafka.brokerCpuNanos() - broker0) / 1e9));
                Progress.say("infer pipeline CPU by thread group, batch %d (closed loop, warm-up included): %s", batch, where);
                if (batch == HEADLINE_BATCH) {
                    report.note("infer pipeline CPU by thread group at batch " + batch + " (closed loop with warm-up;"
                            + (kafka.brokerCpuNanos() < 0 ? " broker," : "") + " worker and client in one process): " + where);
                }
                Progress.say("infer pipeline: batch %d, %d in flight: %.1f requests/s, p50 %.0f ms, p99 %.0f ms (%d errors)",
                        batch, window, full.perSecond(), Percentiles.of(full.latencyMs(), 50),
                        Percentiles.of(full.latencyMs(), 99), full.errors());
                double rate = Math.max(0.5, full.perSecond() / 2);
                LoadClient.Result half = client.paced(rate, paced);
                Progress.say("infer paced: batch %d at %.1f requests/s: p50 %.0f ms, p99 %.0f ms (%d of %d answered)", batch,
                        rate, Percentiles.of(half.latencyMs(), 50), Percentiles.of(half.latencyMs(), 99), half.answered(),
                        half.sent());
                return new LoadClient.Result[] {full, half};
            }
        } finally {
            worker.stop();
        }
    }

    /** Publishes version 1 of the model in one transaction, as the trainer does. */
    private static void publish(LocalKafka kafka, Topics topics, byte[] artifact) {
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, MODEL, 1, Instant.now(), "bench", "samediff",
                "{}", Map.of(), 0, List.of(), CLASSES, SHAPE, PreprocessFingerprint.of(SHAPE), ContentHash.sha256Hex(artifact),
                artifact.length, ModelPublisher.chunkCount(artifact.length));
        try (KafkaProducer<String, byte[]> producer = kafka.clients().transactionalProducer(
                "pixelflow-bench-publisher-" + topics.prefix(), new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            ModelPublisher.send(producer, topics.models.name(), manifest, artifact);
            producer.commitTransaction();
        }
    }
}
