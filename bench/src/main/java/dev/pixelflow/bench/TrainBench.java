package dev.pixelflow.bench;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.Split;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.trainer.TrainerSettings;
import dev.pixelflow.trainer.TrainerWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Training: the bare limit is the engine's fit on the reference network with the batches already in memory as
 * floats; the pipeline is the trainer worker's real path (tensors on a broker, snapshot read, augmentation and
 * float conversion on its feeder thread), as the images/s of its training epochs (images over the fit loop time,
 * from the EPOCH events on training.metrics). Both train on the same photos, the same number per epoch.
 */
final class TrainBench implements Bench {
    static final ImageShape SHAPE = new ImageShape(150, 150, 3);
    static final int BATCH = 32;
    static final double GOAL = 0.95;
    static final int REFERENCE_EPOCH_IMAGES = 3200;
    private static final Duration TIMEOUT = Duration.ofHours(2);
    private static final Pattern STARTED = Pattern.compile("(\\d+) training and (\\d+) validation images.*");

    @Override
    public Report run(boolean quick) throws Exception {
        int batches = quick ? 10 : 50;
        int warmup = quick ? 2 : 3;
        int epochs = quick ? 2 : 3;
        int trainImages = batches * BATCH;
        int valImages = quick ? 32 : 64;
        Report report = new Report("train", quick);
        List<Photos.Photo> photos = Photos.load("train", trainImages + valImages);
        Progress.say("train: preprocessing %d photos to %s (not timed)", photos.size(), SHAPE);
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        byte[][] pixels = new byte[photos.size()][];
        int[] labels = new int[photos.size()];
        for (int i = 0; i < photos.size(); i++) {
            pixels[i] = pre.toHwc(photos.get(i).bytes(), SHAPE);
            labels[i] = photos.get(i).labelIndex();
        }
        report.figure("train.images_per_epoch", trainImages, "images", 0);
        report.figure("train.batch_size", BATCH, "images", 0);

        double bareBefore = bare(pixels, labels, batches, warmup);
        Progress.say("train bare (before): %.2f images/s", bareBefore);
        List<EpochMetrics> history;
        try (LocalKafka kafka = LocalKafka.start()) {
            history = pipeline(kafka, photos, pixels, trainImages, epochs, report);
        }
        double bareAfter = bare(pixels, labels, batches, warmup);
        Progress.say("train bare (after): %.2f images/s", bareAfter);
        double bare = Percentiles.mean(bareBefore, bareAfter);

        report.figure("train.bare.before", bareBefore, "images/s");
        report.figure("train.bare.after", bareAfter, "images/s");
        report.figure("train.bare", bare, "images/s");
        double imagesSteady = 0;
        double secondsSteady = 0;
        for (EpochMetrics m : history) {
            report.figure("train.pipeline.epoch" + m.epoch(), m.imagesPerSecond(), "images/s");
            if (m.epoch() > 1 || history.size() == 1) {
                imagesSteady += trainImages;
                secondsSteady += trainImages / m.imagesPerSecond();
            }
        }
        double pipeline = imagesSteady / secondsSteady;
        report.figure("train.pipeline", pipeline, "images/s");
        report.figure("train.epoch_" + REFERENCE_EPOCH_IMAGES + ".extrapolated", REFERENCE_EPOCH_IMAGES / pipeline, "s", 0);
        report.note("bare = mean of " + batches + " fit batches (after " + warmup + " warm-up batches) run before and after"
                + " the pipeline; pipeline = images over fit-loop seconds of epochs 2.." + epochs
                + " (epoch 1 is the warm-up), augmentation " + AugmentSettings.defaults());
        report.ratio("train pipeline/bare", pipeline / bare, GOAL);
        return report;
    }

    /** images/s of engine.fit over {@code batches} in-memory float batches, after {@code warmup} untimed ones. */
    static double bare(byte[][] pixels, int[] labels, int batches, int warmup) {
        try (ClassifierEngine engine = Engines.create(NetworkSpec.preset("small-vgg", SHAPE, 2), OptimizerSpec.defaults())) {
            int len = SHAPE.length();
            float[][] x = new float[batches][BATCH * len];
            int[][] y = new int[batches][BATCH];
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < BATCH; i++) {
                    int idx = b * BATCH + i;
                    ImagePreprocessor.toUnitFloat(pixels[idx], SHAPE, x[b], i * len, engine.channelsFirst());
                    y[b][i] = labels[idx];
                }
            }
            for (int w = 0; w < warmup; w++) {
                engine.fit(x[w % batches], y[w % batches], BATCH);
            }
            long t0 = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                engine.fit(x[b], y[b], BATCH);
            }
            return (double) batches * BATCH / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<EpochMetrics> pipeline(LocalKafka kafka, List<Photos.Photo> photos, byte[][] pixels, int trainImages,
                                               int epochs, Report report) throws Exception {
        String prefix = "bench-train.";
        Topics topics = kafka.topics(prefix);
        produceTensors(kafka.bootstrap(), topics.tensors.name(), photos, pixels, trainImages);
        Progress.say("train: %d training + %d validation tensors on %s (not timed)", trainImages,
                photos.size() - trainImages, topics.tensors.name());
        Path state = Files.createTempDirectory("pixelflow-bench-trainer-");
        Map<String, String> env = kafka.env(prefix, "trainer", "PIXELFLOW_STATE_DIR", state.toString());
        TrainerWorker worker = new TrainerWorker(LocalKafka.context("trainer", env, new SimpleMeterRegistry()),
                TrainerSettings.from(ConfigSource.of(env)));
        worker.start();
        try {
            TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, "bench-train", "bench-cats-dogs",
                    "small-vgg", null, SHAPE, List.of("cat", "dog"), OptimizerSpec.defaults(), BATCH, epochs,
                    AugmentSettings.defaults(), 7L, null, Instant.now());
            ThreadCpu threads0 = ThreadCpu.snapshot();
            sendRequest(kafka.bootstrap(), topics.trainingRequests.name(), request);
            List<EpochMetrics> history = follow(kafka.bootstrap(), topics.trainingMetrics.name(), request, worker, report);
            String where = ThreadCpu.describe(ThreadCpu.snapshot().since(threads0), 10);
            Progress.say("train pipeline CPU by thread group (whole job, evaluation included): %s", where);
            report.note("train pipeline CPU by thread group (whole job, evaluation included): " + where);
            return history;
        } finally {
            worker.stop();
            LocalKafka.deleteQuietly(state);
        }
    }

    /** Tensors as the ingest worker writes them, with the split chosen so the epoch has exactly {@code trainImages}. */
    private static void produceTensors(String bootstrap, String topic, List<Photos.Photo> photos, byte[][] pixels,
                                       int trainImages) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", 20);
        p.put("batch.size", 1024 * 1024);
        p.put("max.request.size", Topics.TENSOR_MESSAGE_BYTES);
        TensorRecordSerde serde = new TensorRecordSerde();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < photos.size(); i++) {
                Photos.Photo photo = photos.get(i);
                TensorRecord t = new TensorRecord(ImagePreprocessor.fingerprint(SHAPE), -1, photo.label(),
                        i < trainImages ? Split.TRAIN : Split.VALIDATION, photo.name(), ContentHash.sha256(photo.bytes()),
                        pixels[i]);
                sent.add(producer.send(new ProducerRecord<>(topic, t.key(), serde.serialize(topic, t))));
            }
            producer.flush();
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    private static void sendRequest(String bootstrap, String topic, TrainingRequest request) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, request.jobId(), TrainingRequest.SERDE.serialize(topic, request))).get();
        }
    }

    /** Reads the job's events until it is published (or fails); returns its epochs' metrics. */
    private static List<EpochMetrics> follow(String bootstrap, String topic, TrainingRequest request, TrainerWorker worker,
                                             Report report) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        List<EpochMetrics> epochs = new ArrayList<>();
        long t0 = System.nanoTime();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            while (true) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (!request.jobId().equals(r.key())) {
                        continue;
                    }
                    TrainingEvent e = TrainingEvent.SERDE.deserialize(topic, r.value());
                    switch (e.type()) {
                        case STARTED -> {
                            Progress.say("train pipeline: started: %s", e.message());
                            Matcher m = STARTED.matcher(e.message() == null ? "" : e.message());
                            if (m.matches()) {
                                report.figure("train.pipeline.train_images", Integer.parseInt(m.group(1)), "images", 0);
                            }
                        }
                        case PROGRESS -> { /* too chatty for stderr */ }
                        case EPOCH -> {
                            EpochMetrics m = e.metrics();
                            epochs.add(m);
                            Progress.say("train pipeline: epoch %d/%d: %.2f images/s in the fit loop (%.1f s with evaluation)",
                                    m.epoch(), e.epochs(), m.imagesPerSecond(), m.seconds());
                        }
                        case PUBLISHED -> {
                            Progress.say("train pipeline: published %s", e.message());
                            return epochs;
                        }
                        case FAILED -> throw new IllegalStateException("the training job failed: " + e.message());
                    }
                }
                if (!worker.healthy()) {
                    throw new IllegalStateException("the trainer worker failed; see its log above");
                }
                if (System.nanoTime() - t0 > TIMEOUT.toNanos()) {
                    throw new IllegalStateException("the training job did not finish within " + TIMEOUT);
                }
            }
        }
    }
}
