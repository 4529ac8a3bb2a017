package dev.pixelflow.trainer;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.testkit.TestProducers;
import dev.pixelflow.testkit.TopicReader;
import dev.pixelflow.testkit.WorkerEnvironment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Tensors made from real photos with the common preprocessing, and readers of what the trainer wrote. */
final class TrainerTestSupport {
    private TrainerTestSupport() {
    }

    static Map<String, String> env(String bootstrap, String prefix, Path stateDir) {
        return WorkerEnvironment.of(bootstrap, prefix, "trainer",
                "PIXELFLOW_STATE_DIR", stateDir.toString(), "KAFKA_SESSION_TIMEOUT_MS", "6000");
    }

    static TrainerWorker worker(Map<String, String> env) {
        ConfigSource src = ConfigSource.of(env);
        return new TrainerWorker(WorkerContext.create("trainer", src, 0, new SimpleMeterRegistry()), TrainerSettings.from(src));
    }

    static void createTopics(String bootstrap, Topics topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicAdmin.ensure(admin, topics.all(), Duration.ofSeconds(30));
        }
    }

    /** The first {@code perClass} cats and dogs of a folder, preprocessed to {@code shape}, onto tensors. */
    static int produceTensors(String bootstrap, Topics topics, Path dir, int perClass, ImageShape shape) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        SplitPolicy splits = new SplitPolicy(0.2);
        TensorRecordSerde serde = new TensorRecordSerde();
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(dir)) {
            List<Path> all = s.sorted().collect(Collectors.toList());
            files.addAll(all.stream().filter(p -> p.getFileName().toString().startsWith("cat.")).limit(perClass).toList());
            files.addAll(all.stream().filter(p -> p.getFileName().toString().startsWith("dog.")).limit(perClass).toList());
        }
        try (KafkaProducer<String, byte[]> producer = TestProducers.bytes(bootstrap)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (Path f : files) {
                byte[] bytes = Files.readAllBytes(f);
                byte[] hash = ContentHash.sha256(bytes);
                String name = f.getFileName().toString();
                TensorRecord t = new TensorRecord(ImagePreprocessor.fingerprint(shape), -1, name.substring(0, name.indexOf('.')),
                        splits.splitOf(hash), name, hash, pre.toHwc(bytes, shape));
                sent.add(producer.send(new ProducerRecord<>(topics.tensors.name(), t.key(), serde.serialize("", t))));
            }
            // A send that fails (on a loaded machine: a delivery timeout) must fail the test's setup, not thin its data.
            for (java.util.concurrent.Future<?> f : sent) {
                f.get();
            }
        }
        return files.size();
    }

    static List<TrainingEvent> events(String bootstrap, String topic, String jobId) {
        return TopicReader.readAll(bootstrap, topic).stream().filter(r -> jobId.equals(r.key()))
                .map(r -> TrainingEvent.SERDE.deserialize(topic, r.value())).collect(Collectors.toList());
    }
}
