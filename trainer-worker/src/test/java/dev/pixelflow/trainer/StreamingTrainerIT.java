package dev.pixelflow.trainer;

import static dev.pixelflow.trainer.TrainerTestSupport.env;
import static dev.pixelflow.trainer.TrainerTestSupport.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassMetrics;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.Split;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Datasets larger than the memory budget: 200 photos at 32×32×3 (600 KB of pixels) under budgets of 256 KB and 64 KB,
 * so the training split (and, at 64 KB, the validation split) is streamed from tensors every epoch.
 */
@ExtendWith(KafkaBrokerExtension.class)
class StreamingTrainerIT {
    private static final ImageShape SHAPE = new ImageShape(32, 32, 3);
    private static final int PER_CLASS = 100;

    @Test
    void aDatasetOverTheBudgetIsStreamedEachEpochAndTheJobPublishes(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("stream") + ".";
        Topics topics = new Topics(prefix);
        Expected expected = setUp(broker, prefix);
        ListAppender<ILoggingEvent> log = capture();
        Map<String, String> env = env(broker.bootstrapServers(), prefix, state);
        env.put("PIXELFLOW_MEMORY_BUDGET", "256k");
        List<TrainingEvent> events = train(broker, topics, env, "job-stream");

        assertThat(started(events).message()).startsWith(expected.train.size() + " training and " + expected.val.size()
                + " validation images");
        List<String> lines = lines(log);
        assertThat(lines).anyMatch(l -> l.contains("streaming the training split"));
        assertThat(lines).noneMatch(l -> l.contains("streaming it for evaluation"));
        // The job's own check per epoch: every record of the split read once (count and content-hash sum), and the
        // network trained on exactly that many images.
        for (int epoch = 1; epoch <= 2; epoch++) {
            String once = "job job-stream epoch " + epoch + ": streamed " + expected.train.size() + " of " + expected.train.size()
                    + " training images from tensors, each once";
            assertThat(lines).anyMatch(l -> l.startsWith(once));
        }
        assertThat(lines).noneMatch(l -> l.contains("training images streamed from tensors ("));
        assertPublished(broker, prefix, topics, expected);
    }

    @Test
    void aValidationSplitOverItsShareOfTheBudgetIsStreamedForEvaluation(KafkaTestBroker broker, @TempDir Path state)
            throws Exception {
        String prefix = broker.uniqueName("stream-val") + ".";
        Topics topics = new Topics(prefix);
        Expected expected = setUp(broker, prefix);
        ListAppender<ILoggingEvent> log = capture();
        Map<String, String> env = env(broker.bootstrapServers(), prefix, state);
        env.put("PIXELFLOW_MEMORY_BUDGET", "64k");
        List<TrainingEvent> events = train(broker, topics, env, "job-stream-val");

        List<String> lines = lines(log);
        assertThat(lines).anyMatch(l -> l.contains("streaming it for evaluation"));
        for (int epoch = 1; epoch <= 2; epoch++) {
            String once = "job job-stream-val epoch " + epoch + ": streamed " + expected.train.size() + " of "
                    + expected.train.size() + " training images from tensors, each once";
            assertThat(lines).anyMatch(l -> l.startsWith(once));
        }
        // Each epoch's validation figures cover the whole validation split, read back from tensors.
        assertThat(events.stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH)).hasSize(2).allSatisfy(e -> {
            assertThat(e.metrics().perClass().values().stream().mapToInt(ClassMetrics::support).sum())
                    .isEqualTo(expected.val.size());
            assertThat(e.metrics().valAccuracy()).isBetween(0.0, 1.0);
        });
        assertPublished(broker, prefix, topics, expected);
    }

    @Test
    void aStreamedEpochReadsEveryTrainingRecordOnceInAnOrderSetBySeedAndEpoch(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("stream-epoch") + ".";
        Topics topics = new Topics(prefix);
        Expected expected = setUp(broker, prefix);
        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
        PreprocessFingerprint fp = ImagePreprocessor.fingerprint(SHAPE);

        TensorSnapshotReader roomy = new TensorSnapshotReader(clients, topics.tensors.name(), 64L << 20);
        Dataset inMemory = roomy.read(roomy.currentEnd(), fp, null, () -> false);
        assertThat(inMemory.train()).isInstanceOf(Examples.InMemory.class);
        assertThat(inMemory.streamed()).isFalse();

        TensorSnapshotReader tight = new TensorSnapshotReader(clients, topics.tensors.name(), 192L << 10);
        Dataset data = tight.read(tight.currentEnd(), fp, null, () -> false);
        assertThat(data.train()).isInstanceOf(Examples.Streamed.class);
        assertThat(data.val()).isInstanceOf(Examples.InMemory.class);
        assertThat(data.classNames()).containsExactly("cat", "dog");
        assertThat(data.trainSize()).isEqualTo(expected.train.size());
        Examples.Streamed train = (Examples.Streamed) data.train();

        List<String> epoch1 = epoch(train, data.streamBudget(), TrainingJob.epochSeed(7, 1));
        List<String> epoch1Again = epoch(train, data.streamBudget(), TrainingJob.epochSeed(7, 1));
        List<String> epoch2 = epoch(train, data.streamBudget(), TrainingJob.epochSeed(7, 2));
        assertThat(epoch1).containsExactlyInAnyOrderElementsOf(expected.train);
        assertThat(epoch2).containsExactlyInAnyOrderElementsOf(expected.train);
        assertThat(epoch1Again).isEqualTo(epoch1);
        assertThat(epoch2).isNotEqualTo(epoch1);
        // Shuffled beyond the topic's order, in which each partition holds the cats first, then the dogs.
        assertThat(epoch1).isNotEqualTo(expected.train);
        int dogsInFirstHalf = (int) epoch1.subList(0, epoch1.size() / 2).stream().filter(h -> h.startsWith("dog")).count();
        assertThat(dogsInFirstHalf).isBetween(epoch1.size() / 8, epoch1.size() * 3 / 8);
    }

    /** One epoch's images in the order the feeder got them, as "label:sha256 of the pixels". */
    private static List<String> epoch(Examples.Streamed train, StreamBudget budget, long epochSeed) throws Exception {
        StreamedEpoch source = new StreamedEpoch(train, budget, null);
        List<String> out = new ArrayList<>();
        source.feed(new SplittableRandom(epochSeed), () -> false,
                (pixels, label) -> out.add((label == 0 ? "cat:" : "dog:") + ContentHash.sha256Hex(pixels)));
        assertThat(source.pass().matches(train.selection())).isTrue();
        assertThat(source.pass().missing()).isZero();
        return out;
    }

    private record Expected(List<String> train, List<String> val) {
    }

    /**
     * Creates the topics and sends the first {@link #PER_CLASS} cats and dogs, preprocessed and split as ingest does,
     * one acknowledged record at a time (a freshly created topic may still be moving its leaders, and the counts of
     * these tests must be exact). Returns the records' ids as {@link #epoch} makes them.
     */
    private static Expected setUp(KafkaTestBroker broker, String prefix) throws Exception {
        // On a loaded machine the broker may not know a topic it just created when asked for its leaders; creating
        // is idempotent, and the acknowledged sends below wait out any leader that is still moving.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IllegalStateException.class).until(() -> {
            TrainerTestSupport.createTopics(broker.bootstrapServers(), new Topics(prefix));
            return true;
        });
        String topic = new Topics(prefix).tensors.name();
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        SplitPolicy splits = new SplitPolicy(0.2);
        TensorRecordSerde serde = new TensorRecordSerde();
        List<String> train = new ArrayList<>();
        List<String> val = new ArrayList<>();
        List<Path> all;
        try (var s = Files.list(TestDatasets.dogsVsCats().resolve("train"))) {
            all = s.sorted().collect(Collectors.toList());
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (String cls : List.of("cat", "dog")) {
                for (Path f : all.stream().filter(x -> x.getFileName().toString().startsWith(cls + ".")).limit(PER_CLASS).toList()) {
                    byte[] bytes = Files.readAllBytes(f);
                    byte[] hash = ContentHash.sha256(bytes);
                    Split split = splits.splitOf(hash);
                    TensorRecord t = new TensorRecord(ImagePreprocessor.fingerprint(SHAPE), -1, cls, split,
                            f.getFileName().toString(), hash, pre.toHwc(bytes, SHAPE));
                    producer.send(new ProducerRecord<>(topic, t.key(), serde.serialize(topic, t))).get();
                    (split == Split.VALIDATION ? val : train).add(cls + ":" + ContentHash.sha256Hex(t.pixels()));
                }
            }
        }
        return new Expected(train, val);
    }

    private static List<TrainingEvent> train(KafkaTestBroker broker, Topics topics, Map<String, String> env, String jobId)
            throws Exception {
        TrainerWorker worker = TrainerTestSupport.worker(env);
        worker.start();
        try {
            TrainingRequest req = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, "cats-dogs", "small-cnn", null,
                    SHAPE, null, OptimizerSpec.defaults(), 32, 2, AugmentSettings.defaults(), 7L, null, Instant.now());
            TrainerWorkerIT.send(broker.bootstrapServers(), topics, req);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
                    events(broker.bootstrapServers(), topics.trainingMetrics.name(), jobId).stream()
                            .anyMatch(e -> e.type() == TrainingEvent.Type.PUBLISHED || e.type() == TrainingEvent.Type.FAILED));
        } finally {
            worker.stop();
        }
        List<TrainingEvent> events = events(broker.bootstrapServers(), topics.trainingMetrics.name(), jobId);
        assertThat(events).extracting(TrainingEvent::type).contains(TrainingEvent.Type.PUBLISHED)
                .doesNotContain(TrainingEvent.Type.FAILED);
        assertThat(events.stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH).map(e -> e.metrics().epoch()))
                .containsExactly(1, 2);
        return events;
    }

    private static TrainingEvent started(List<TrainingEvent> events) {
        return events.stream().filter(e -> e.type() == TrainingEvent.Type.STARTED).findFirst().orElseThrow();
    }

    private static void assertPublished(KafkaTestBroker broker, String prefix, Topics topics, Expected expected) {
        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
        ModelVersion v = new ModelCatalog(clients, topics.models.name()).load("cats-dogs").orElseThrow().version();
        assertThat(v.version()).isEqualTo(1);
        assertThat(v.classNames()).containsExactly("cat", "dog");
        assertThat(v.history()).hasSize(2);
        assertThat(v.datasetSnapshot()).isNotEmpty();
        assertThat(v.datasetSnapshot().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(expected.train.size() + expected.val.size());
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        for (Class<?> c : List.of(TrainingJob.class, TensorSnapshotReader.class)) {
            ((Logger) LoggerFactory.getLogger(c)).addAppender(appender);
        }
        return appender;
    }

    private static List<String> lines(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
