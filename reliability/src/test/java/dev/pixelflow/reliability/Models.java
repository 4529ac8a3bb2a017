package dev.pixelflow.reliability;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.topic.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A tiny untrained 32x32x3 network published the way the trainer publishes: one transaction per version. */
final class Models {
    static final String NAME = "pets";
    static final ImageShape SHAPE = ImageShape.parse(Workers.IMAGE_SIZE);
    static final List<String> CLASSES = List.of("cat", "dog");
    private static byte[] tiny;

    private Models() {
    }

    static synchronized byte[] tiny() {
        if (tiny == null) {
            NetworkSpec spec = new NetworkSpec(SHAPE, 2, List.of(LayerSpec.conv(4, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.flatten(), LayerSpec.dense(8, LayerSpec.RELU)), 7);
            try {
                Path file = Files.createTempFile("pixelflow-reliability-model-", ".engine");
                try (ClassifierEngine engine = Engines.create(spec, OptimizerSpec.defaults())) {
                    engine.save(file, false);
                    tiny = Files.readAllBytes(file);
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save the tiny model", e);
            }
        }
        return tiny;
    }

    static void publish(String bootstrap, Topics topics, int version) {
        byte[] artifact = tiny();
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, NAME, version, Instant.now(), "reliability",
                "samediff", "{}", Map.of(), 0, List.of(), CLASSES, SHAPE, ImagePreprocessor.fingerprint(SHAPE),
                ContentHash.sha256Hex(artifact), artifact.length, ModelPublisher.chunkCount(artifact.length));
        KafkaClients clients = new KafkaClients(new KafkaSettings(bootstrap, topics.prefix(), Map.of()), "reliability");
        try (KafkaProducer<String, byte[]> producer = clients.transactionalProducer("reliability-publisher-" + UUID.randomUUID(),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            ModelPublisher.send(producer, topics.models.name(), manifest, artifact);
            producer.commitTransaction();
        }
    }
}
