package dev.pixelflow.bench;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.ingest.IngestSettings;
import dev.pixelflow.ingest.IngestWorker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Ingest: the bare limit is decode+resize of the same photos, preloaded, on as many threads as the worker's decode
 * pool; the pipeline is the ingest worker on an embedded broker, timed from its start until every raw image's
 * offset is committed (which happens in the same transaction as its tensor record).
 */
final class IngestBench implements Bench {
    static final ImageShape SHAPE = new ImageShape(150, 150, 3);
    static final double GOAL = 0.90;
    private static final Duration TIMEOUT = Duration.ofMinutes(15);
    /**
     * Both figures are taken after one untimed pass over all the photos: with less, the JIT compilers of this
     * process and of the broker still used about a third of the pipeline's CPU in the timed window.
     */

    @Override
    public Report run(boolean quick) throws Exception {
        int count = quick ? 1000 : 4000;
        Report report = new Report("ingest", quick);
        List<Photos.Photo> photos = Photos.load("train", count);
        IngestSettings defaults = IngestSettings.from(ConfigSource.of(Map.of()));
        int threads = defaults.decodeThreads();
        Progress.say("ingest: %d photos of dogs-vs-cats/train at %s, %d decode threads", photos.size(), SHAPE, threads);
        report.figure("ingest.photos", photos.size(), "images", 0);
        report.figure("ingest.decode_threads", threads, "threads", 0);

        Measured bareBefore = bare(photos, threads);
        Progress.say("ingest bare (before): %.1f images/s", bareBefore.imagesPerSecond());
        Piped piped;
        try (LocalKafka kafka = LocalKafka.startProcess()) {
            piped = pipeline(kafka, photos, report);
        }
        double pipeline = piped.imagesPerSecond();
        Measured bareAfter = bare(photos, threads);
        Progress.say("ingest bare (after): %.1f images/s", bareAfter.imagesPerSecond());
        double bare = Percentiles.mean(bareBefore.imagesPerSecond(), bareAfter.imagesPerSecond());

        report.figure("ingest.bare.before", bareBefore.imagesPerSecond(), "images/s", 1);
        report.figure("ingest.bare.after", bareAfter.imagesPerSecond(), "images/s", 1);
        report.figure("ingest.bare.cpu", Percentiles.mean(bareBefore.cpuMsPerImage(), bareAfter.cpuMsPerImage()),
                "ms/image");
        report.figure("ingest.bare", bare, "images/s", 1);
        report.figure("ingest.pipeline", pipeline, "images/s", 1);
        report.note("bare = ImagePreprocessor.toHwc over the preloaded JPEGs on " + threads + " threads (the worker's"
                + " decode pool size), mean of a run before and one after the pipeline in the same JVM, each after an untimed"
                + " pass over the same photos; pipeline = the ingest worker (same decode threads, plus its poll/"
                + "produce/commit thread) after the same warm-up, from the instant the photos are committed to images.raw"
                + " until their offsets are committed with their tensors; cpu = this process's CPU time per image (the"
                + " pipeline's includes the embedded broker on the same cores), which a busy machine distorts less than"
                + " images/s");
        double bareCpu = Percentiles.mean(bareBefore.cpuMsPerImage(), bareAfter.cpuMsPerImage());
        // What the wall-clock ratio would be if CPU were the only limit and nothing else ran on these cores.
        report.figure("ingest.cpu_ratio.worker", bareCpu / piped.cpuMsPerImage(), "ratio", 2);
        if (piped.brokerCpuMsPerImage() >= 0) {
            report.figure("ingest.cpu_ratio.with_broker", bareCpu / (piped.cpuMsPerImage() + piped.brokerCpuMsPerImage()),
                    "ratio", 2);
        }
        report.ratio("ingest pipeline/bare", pipeline / bare, GOAL);
        return report;
    }

    /** What the pipeline measured: images/s, this process's CPU per image, the broker process's (-1: in this JVM). */
    record Piped(double imagesPerSecond, double cpuMsPerImage, double brokerCpuMsPerImage) {
    }

    /** What a decode+resize loop measured: wall-clock throughput and this process's CPU per image. */
    record Measured(double imagesPerSecond, double cpuMsPerImage) {
    }

    /** ImagePreprocessor.toHwc over preloaded bytes, {@code threads} threads pulling from one counter. */
    static Measured bare(List<Photos.Photo> photos, int threads) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // An untimed pass on every thread (JIT, the decoder's first calls), then the timed pass.
            decodeAll(pool, pre, photos, threads);
            long cpu0 = Cpu.processNanos();
            long t0 = System.nanoTime();
            decodeAll(pool, pre, photos, threads);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuMs = (Cpu.processNanos() - cpu0) / 1e6;
            return new Measured(photos.size() / seconds, cpuMs / photos.size());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void decodeAll(ExecutorService pool, ImagePreprocessor pre, List<Photos.Photo> photos, int threads)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        int n = photos.size();
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            parts.add(pool.submit(() -> {
                long sink = 0;
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    sink += pre.toHwc(photos.get(i).bytes(), SHAPE)[0];
                }
                return sink;
            }));
        }
        for (Future<Long> f : parts) {
            f.get();
        }
    }

    /**
     * images/s of the ingest worker over {@code photos}. The worker first gets the same warm-up as the bare loop, an
     * untimed pass over all the photos (JIT of decoder, clients and broker, group join, first transactions); then
     * all photos are written in one transaction, so they become visible to its read_committed consumer at one
     * instant: the clock runs from that commit until the worker has committed the last of them.
     */
    private static Piped pipeline(LocalKafka kafka, List<Photos.Photo> photos, Report report) throws Exception {
        String prefix = "bench-ingest.";
        Topics topics = kafka.topics(prefix);
        Map<String, String> env = kafka.env(prefix, "ingest");
        IngestSettings settings = IngestSettings.from(ConfigSource.of(env));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        IngestWorker worker = new IngestWorker(LocalKafka.context("ingest", env, metrics), settings);
        String raw = topics.imagesRaw.name();
        List<Photos.Photo> warm = photos;
        int n = photos.size();
        try (Admin admin = kafka.clients().admin();
             KafkaProducer<String, byte[]> producer = rawProducer(kafka)) {
            long w0 = System.nanoTime();
            worker.start();
            produceRaw(producer, raw, warm);
            awaitCommitted(admin, worker, settings.groupId(), raw, warm.size(), w0);
            Progress.say("ingest pipeline warm-up: %d photos, worker start to committed in %.1f s (not counted)",
                    warm.size(), (System.nanoTime() - w0) / 1e9);

            long p0 = System.nanoTime();
            produceRaw(producer, raw, photos);
            long cpu0 = Cpu.processNanos();
            long broker0 = kafka.brokerCpuNanos();
            ThreadCpu brokerThreads0 = kafka.brokerThreads();
            ThreadCpu threads0 = ThreadCpu.snapshot();
            long t0 = System.nanoTime();
            Progress.say("ingest: wrote %d photos to %s in one transaction in %.1f s (not timed)", n, raw,
                    (t0 - p0) / 1e9);
            try {
                awaitCommitted(admin, worker, settings.groupId(), raw, warm.size() + n, t0);
                long t1 = System.nanoTime();
                double cpuMs = (Cpu.processNanos() - cpu0) / 1e6;
                double brokerMs = broker0 < 0 ? -1 : (kafka.brokerCpuNanos() - broker0) / 1e6;
                double seconds = (t1 - t0) / 1e9;
                double rate = n / seconds;
                String where = ThreadCpu.describe(ThreadCpu.snapshot().since(threads0), 10);
                Progress.say("ingest pipeline CPU by thread group: %s", where);
                if (brokerThreads0 != null) {
                    String broker = ThreadCpu.describe(kafka.brokerThreads().since(brokerThreads0), 8);
                    Progress.say("ingest broker process CPU by thread group: %s", broker);
                    report.note("ingest broker process CPU by thread group: " + broker);
                }
                report.note("ingest pipeline CPU by thread group (" + (brokerMs < 0 ? "broker, " : "")
                        + "worker and bench clients in one process): " + where);
                Progress.say("ingest pipeline: %d images committed in %.2f s = %.1f images/s", n, seconds, rate);
                report.figure("ingest.pipeline.seconds", seconds, "s");
                report.figure("ingest.pipeline.cpu", cpuMs / n, "ms/image");
                if (brokerMs >= 0) {
                    report.figure("ingest.pipeline.broker_cpu", brokerMs / n, "ms/image");
                }
                report.figure("ingest.pipeline.tensors_out", count(metrics, "pixelflow_ingest_tensors_out") - warm.size(),
                        "records", 0);
                report.figure("ingest.pipeline.dead_letters", count(metrics, "pixelflow_ingest_dlq"), "records", 0);
                return new Piped(rate, cpuMs / n, brokerMs < 0 ? -1 : brokerMs / n);
            } finally {
                worker.stop();
            }
        }
    }

    /** Waits until the group has committed {@code target} offsets on {@code topic}: that many images are done. */
    private static void awaitCommitted(Admin admin, IngestWorker worker, String group, String topic, long target, long t0)
            throws Exception {
        long lastReport = System.nanoTime();
        while (true) {
            long committed = committed(admin, group, topic);
            long now = System.nanoTime();
            if (committed >= target) {
                return;
            }
            if (!worker.healthy()) {
                throw new IllegalStateException("the ingest worker failed; see its log above");
            }
            if (now - t0 > TIMEOUT.toNanos()) {
                throw new IllegalStateException("ingest worker committed " + committed + " of " + target + " images within "
                        + TIMEOUT);
            }
            if (now - lastReport > 5_000_000_000L) {
                lastReport = now;
                Progress.say("ingest: %d/%d committed", committed, target);
            }
            Thread.sleep(50); // polling the group's offsets: 50 ms resolution, and little work for the broker
        }
    }

    private static KafkaProducer<String, byte[]> rawProducer(LocalKafka kafka) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("acks", "all");
        p.put("linger.ms", 20);
        p.put("batch.size", 1024 * 1024);
        p.put("max.request.size", Topics.IMAGE_MESSAGE_BYTES);
        p.put("transactional.id", "pixelflow-bench-ingest-source");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    /** What `pixelflow ingest` sends for each file (name, type, file-name label), in one transaction. */
    private static void produceRaw(KafkaProducer<String, byte[]> producer, String topic, List<Photos.Photo> photos) {
        producer.beginTransaction();
        for (Photos.Photo photo : photos) {
            RecordHeaders h = new RecordHeaders();
            h.add(MessageHeaders.FILENAME, MessageHeaders.utf8(photo.name()));
            h.add(MessageHeaders.CONTENT_TYPE, MessageHeaders.utf8("image/jpeg"));
            h.add(MessageHeaders.LABEL, MessageHeaders.utf8(photo.label()));
            producer.send(new ProducerRecord<>(topic, null, photo.name(), photo.bytes(), h));
        }
        // A failed send fails the commit, rather than leaving the worker waiting for an image that is not there.
        producer.commitTransaction();
    }

    /** Sum of the group's committed offsets on {@code topic}: images consumed and committed with their output. */
    private static long committed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long sum = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }

    private static double count(SimpleMeterRegistry metrics, String name) {
        return metrics.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }
}
