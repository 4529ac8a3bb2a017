package dev.pixelflow.bench;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImagePreprocessor;
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
        double pipeline;
        try (LocalKafka kafka = LocalKafka.start()) {
            pipeline = pipeline(kafka, photos, report);
        }
        Measured bareAfter = bare(photos, threads);
        Progress.say("ingest bare (after): %.1f images/s", bareAfter.imagesPerSecond());
        double bare = Percentiles.mean(bareBefore.imagesPerSecond(), bareAfter.imagesPerSecond());

        report.figure("ingest.bare.before", bareBefore.imagesPerSecond(), "images/s", 1);
        report.figure("ingest.bare.after", bareAfter.imagesPerSecond(), "images/s", 1);
        report.figure("ingest.bare.cpu", Percentiles.mean(bareBefore.cpuMsPerImage(), bareAfter.cpuMsPerImage()),
                "ms/image");
        report.figure("ingest.bare", bare, "images/s", 1);
        report.figure("ingest.pipeline", pipeline, "images/s", 1);
        report.note("bare = mean of the decode+resize loop run before and after the pipeline in the same JVM;"
                + " cpu = this process's CPU time per image (the pipeline's includes the embedded broker), which a"
                + " busy machine distorts less than images/s");
        report.ratio("ingest pipeline/bare", pipeline / bare, GOAL);
        return report;
    }

    /** What a decode+resize loop measured: wall-clock throughput and this process's CPU per image. */
    record Measured(double imagesPerSecond, double cpuMsPerImage) {
    }

    /** ImagePreprocessor.toHwc over preloaded bytes, {@code threads} threads pulling from one counter. */
    static Measured bare(List<Photos.Photo> photos, int threads) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // Warm-up on every thread (JIT, OpenCV's first calls), then the timed pass over all photos.
            decodeAll(pool, pre, photos.subList(0, Math.min(photos.size(), 500)), threads);
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

    private static double pipeline(LocalKafka kafka, List<Photos.Photo> photos, Report report) throws Exception {
        String prefix = "bench-ingest.";
        Topics topics = kafka.topics(prefix);
        long p0 = System.nanoTime();
        produceRaw(kafka.bootstrap(), topics.imagesRaw.name(), photos);
        Progress.say("ingest: produced %d photos to %s in %.1f s (not timed)", photos.size(), topics.imagesRaw.name(),
                (System.nanoTime() - p0) / 1e9);

        Map<String, String> env = kafka.env(prefix, "ingest");
        IngestSettings settings = IngestSettings.from(ConfigSource.of(env));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        IngestWorker worker = new IngestWorker(LocalKafka.context("ingest", env, metrics), settings);
        int n = photos.size();
        try (Admin admin = kafka.clients().admin()) {
            long cpu0 = Cpu.processNanos();
            ThreadCpu threads0 = ThreadCpu.snapshot();
            long t0 = System.nanoTime();
            worker.start();
            long firstCommit = -1;
            long committedAtFirst = 0;
            long lastReport = t0;
            try {
                while (true) {
                    long committed = committed(admin, settings.groupId(), topics.imagesRaw.name());
                    long now = System.nanoTime();
                    if (committed > 0 && firstCommit < 0) {
                        firstCommit = now;
                        committedAtFirst = committed;
                    }
                    if (committed >= n) {
                        break;
                    }
                    if (!worker.healthy()) {
                        throw new IllegalStateException("the ingest worker failed; see its log above");
                    }
                    if (now - t0 > TIMEOUT.toNanos()) {
                        throw new IllegalStateException("ingest worker committed " + committed + " of " + n
                                + " images within " + TIMEOUT);
                    }
                    if (now - lastReport > 5_000_000_000L) {
                        lastReport = now;
                        Progress.say("ingest: %d/%d committed", committed, n);
                    }
                    Thread.sleep(20); // polling the group's offsets; 20 ms is the timing resolution
                }
                long t1 = System.nanoTime();
                double cpuMs = (Cpu.processNanos() - cpu0) / 1e6;
                String where = ThreadCpu.describe(ThreadCpu.snapshot().since(threads0), 10);
                Progress.say("ingest pipeline CPU by thread group: %s", where);
                report.note("ingest pipeline CPU by thread group (broker, worker and producer in one process): " + where);
                double seconds = (t1 - t0) / 1e9;
                double rate = n / seconds;
                Progress.say("ingest pipeline: %d images committed in %.2f s = %.1f images/s", n, seconds, rate);
                report.figure("ingest.pipeline.seconds", seconds, "s");
                report.figure("ingest.pipeline.first_commit", (firstCommit - t0) / 1e9, "s");
                report.figure("ingest.pipeline.after_first_commit", (n - committedAtFirst) / ((t1 - firstCommit) / 1e9),
                        "images/s", 1);
                report.figure("ingest.pipeline.cpu", cpuMs / n, "ms/image");
                report.figure("ingest.pipeline.tensors_out", count(metrics, "pixelflow_ingest_tensors_out"), "records", 0);
                report.figure("ingest.pipeline.dead_letters", count(metrics, "pixelflow_ingest_dlq"), "records", 0);
                return rate;
            } finally {
                worker.stop();
            }
        }
    }

    private static void produceRaw(String bootstrap, String topic, List<Photos.Photo> photos) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", 20);
        p.put("batch.size", 1024 * 1024);
        p.put("max.request.size", Topics.IMAGE_MESSAGE_BYTES);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (Photos.Photo photo : photos) {
                // What `pixelflow ingest` sends for a file: name, type and the file-name label.
                RecordHeaders h = new RecordHeaders();
                h.add(MessageHeaders.FILENAME, MessageHeaders.utf8(photo.name()));
                h.add(MessageHeaders.CONTENT_TYPE, MessageHeaders.utf8("image/jpeg"));
                h.add(MessageHeaders.LABEL, MessageHeaders.utf8(photo.label()));
                sent.add(producer.send(new ProducerRecord<>(topic, null, photo.name(), photo.bytes(), h)));
            }
            producer.flush();
            for (Future<?> f : sent) {
                f.get(); // a failed send would make the pipeline wait forever for an image that is not there
            }
        }
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
