package dev.pixelflow.inference;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestProducers;
import dev.pixelflow.testkit.WorkerEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A tiny model, its publication, requests and reading answers back, for the inference integration tests. */
final class InferenceTestSupport {
    static final String MODEL = "pets";
    static final List<String> CLASSES = List.of("cat", "dog");
    static final ImageShape SHAPE = new ImageShape(32, 32, 3);

    private InferenceTestSupport() {
    }

    static Map<String, String> env(KafkaTestBroker broker, String prefix, String instance, String... more) {
        Map<String, String> env = WorkerEnvironment.of(broker.bootstrapServers(), prefix, instance, more);
        env.putIfAbsent("PIXELFLOW_INFERENCE_GROUP", prefix + "inference");
        return env;
    }

    static InferenceWorker worker(Map<String, String> env, MeterRegistry metrics) {
        ConfigSource src = ConfigSource.of(env);
        WorkerContext ctx = WorkerContext.create("inference", src, 0, metrics);
        return new InferenceWorker(ctx, InferenceSettings.from(src));
    }

    static Topics createTopics(KafkaTestBroker broker, String prefix) {
        Topics topics = new Topics(prefix);
        try (Admin admin = Admin.create(broker.adminProperties())) {
            TopicAdmin.ensure(admin, topics.all(), Duration.ofSeconds(30));
        }
        return topics;
    }

    /** The engine file of a small untrained network; the seed makes versions differ. */
    static byte[] tinyModel(long seed) throws IOException {
        NetworkSpec spec = new NetworkSpec(SHAPE, 2, List.of(LayerSpec.conv(4, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                LayerSpec.flatten(), LayerSpec.dense(8, LayerSpec.RELU)), seed);
        Path file = Files.createTempFile("pixelflow-test-model-", ".engine");
        try (ClassifierEngine engine = Engines.create(spec, OptimizerSpec.defaults())) {
            engine.save(file, false);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Publishes a version in one transaction, as the trainer does; returns when it is committed. */
    static void publish(KafkaTestBroker broker, Topics topics, String name, int version, byte[] artifact) {
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, name, version, Instant.now(), "test-job",
                "samediff", "{}", Map.of(), 0, List.of(), CLASSES, SHAPE, ImagePreprocessor.fingerprint(SHAPE),
                ContentHash.sha256Hex(artifact), artifact.length, ModelPublisher.chunkCount(artifact.length));
        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), topics.prefix(), Map.of()), "test");
        try (KafkaProducer<String, byte[]> producer = clients.transactionalProducer("test-publisher-" + UUID.randomUUID(),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            ModelPublisher.send(producer, topics.models.name(), manifest, artifact);
            producer.commitTransaction();
        }
    }

    static KafkaProducer<String, byte[]> producer(KafkaTestBroker broker) {
        return TestProducers.bytes(broker.bootstrapServers());
    }

    static ProducerRecord<String, byte[]> request(Topics topics, String id, byte[] image, String... headers) {
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8("corr-" + id));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.remove(headers[i]);
            h.add(headers[i], MessageHeaders.utf8(headers[i + 1]));
        }
        return new ProducerRecord<>(topics.classifyRequests.name(), null, id, image, h);
    }

    static List<Path> photos(Path dir, int count) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.filter(p -> p.toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
            // Cats and dogs alike: the sorted list has all cats first.
            List<Path> out = new ArrayList<>();
            for (int i = 0; out.size() < count && i < all.size(); i++) {
                out.add(all.get(i % 2 == 0 ? i / 2 : all.size() - 1 - i / 2));
            }
            return out;
        }
    }

    /**
     * Every answer on a results topic as a read_committed client sees it, collected by request id so that a
     * second answer to one request shows. Single-threaded: call {@link #poll()} from the waiting thread.
     */
    static final class Answers implements AutoCloseable {
        private final KafkaConsumer<String, ClassifyResult> consumer;
        private final Map<String, List<ConsumerRecord<String, ClassifyResult>>> byRequest = new HashMap<>();
        private final List<ConsumerRecord<String, ClassifyResult>> all = new ArrayList<>();

        Answers(KafkaTestBroker broker, String topic) {
            Properties p = new Properties();
            p.put("bootstrap.servers", broker.bootstrapServers());
            p.put("isolation.level", "read_committed");
            p.put("auto.offset.reset", "earliest");
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), ClassifyResult.SERDE);
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** Reads what has arrived; returns the number of distinct requests answered so far. */
        int poll() {
            for (ConsumerRecord<String, ClassifyResult> r : consumer.poll(Duration.ofMillis(200))) {
                all.add(r);
                byRequest.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
            return byRequest.size();
        }

        /** Reads up to the topic's current end, so nothing committed before this call is missed. */
        void drain() {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                poll();
            }
        }

        Map<String, List<ConsumerRecord<String, ClassifyResult>>> byRequest() {
            return byRequest;
        }

        List<ConsumerRecord<String, ClassifyResult>> all() {
            return all;
        }

        ClassifyResult result(String requestId) {
            List<ConsumerRecord<String, ClassifyResult>> rs = byRequest.get(requestId);
            return rs == null ? null : rs.get(0).value();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
