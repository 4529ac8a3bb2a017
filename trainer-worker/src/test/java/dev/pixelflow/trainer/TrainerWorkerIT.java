package dev.pixelflow.trainer;

import static dev.pixelflow.trainer.TrainerTestSupport.env;
import static dev.pixelflow.trainer.TrainerTestSupport.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.PublishPolicy;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutControl;
import dev.pixelflow.common.rollout.RolloutRule;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class TrainerWorkerIT {
    private static final ImageShape SHAPE = new ImageShape(64, 64, 3);

    @Test
    void trainsPublishesAVersionWhoseArtifactReloadsToTheSameNetwork(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("train") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("train"), 100, SHAPE);
        TrainerWorker worker = TrainerTestSupport.worker(env(broker.bootstrapServers(), prefix, state));
        worker.start();
        try {
            TrainingRequest req = request("job-small", 2);
            send(broker.bootstrapServers(), topics, req);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId()).stream()
                            .anyMatch(e -> e.type() == TrainingEvent.Type.PUBLISHED || e.type() == TrainingEvent.Type.FAILED));
            List<TrainingEvent> events = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId());
            assertThat(events).extracting(TrainingEvent::type).contains(TrainingEvent.Type.STARTED)
                    .doesNotContain(TrainingEvent.Type.FAILED);
            assertThat(events.stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH).map(e -> e.metrics().epoch()))
                    .containsExactly(1, 2);
            assertThat(events.stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH))
                    .allSatisfy(e -> assertThat(e.metrics().valAccuracy()).isBetween(0.0, 1.0));

            KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
            ModelCatalog.Loaded loaded = new ModelCatalog(clients, topics.models.name()).load("cats-dogs").orElseThrow();
            ModelVersion v = loaded.version();
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.classNames()).containsExactly("cat", "dog");
            assertThat(v.history()).hasSize(2);
            assertThat(v.chunkCount()).isGreaterThan(1);
            assertThat(ContentHash.sha256Hex(loaded.artifact())).isEqualTo(v.artifactSha256());
            assertThat(v.datasetSnapshot()).isNotEmpty();

            Path exported = state.resolve("exported.bin");
            Files.write(exported, loaded.artifact());
            float[] input = new float[2 * SHAPE.length()];
            Random rnd = new Random(3);
            for (int i = 0; i < input.length; i++) {
                input[i] = rnd.nextFloat();
            }
            try (ClassifierEngine fromTopic = Engines.load(exported);
                 ClassifierEngine fromTrainer = Engines.load(state.resolve("jobs").resolve(req.jobId()).resolve(TrainingJob.ENGINE_FILE))) {
                assertThat(fromTopic.output(input, 2)).isDeepEqualTo(fromTrainer.output(input, 2));
            }
            assertThat(state.resolve("jobs").resolve(req.jobId()).resolve("history.png")).isNotEmptyFile();
        } finally {
            worker.stop();
        }
    }

    @Test
    void publishesIntermediateVersionsWhenAskedAndTheFinalOneLast(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("train-interim") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("train"), 60, SHAPE);
        TrainerWorker worker = TrainerTestSupport.worker(env(broker.bootstrapServers(), prefix, state));
        worker.start();
        try {
            KafkaClients ruleClients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
            new RolloutControl(new ModelCatalog(ruleClients, topics.models.name()),
                    new RolloutCatalog(ruleClients, topics.modelsRollout.name())).rule("cats-dogs", RolloutRule.BETTER, 0, null);
            TrainingRequest base = request("job-interim", 3);
            TrainingRequest req = new TrainingRequest(base.schemaVersion(), base.jobId(), base.model(), base.preset(), null,
                    base.inputShape(), null, base.optimizer(), base.batchSize(), base.epochs(), AugmentSettings.none(),
                    base.seed(), null, base.requestedAt(), new PublishPolicy(2, false));
            send(broker.bootstrapServers(), topics, req);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId()).stream()
                            .anyMatch(e -> e.type() == TrainingEvent.Type.PUBLISHED || e.type() == TrainingEvent.Type.FAILED));
            List<TrainingEvent> events = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId());
            assertThat(events.stream().filter(e -> e.type() == TrainingEvent.Type.INTERIM || e.type() == TrainingEvent.Type.PUBLISHED)
                    .map(e -> e.type() + ":" + e.epoch() + ":v" + e.version()))
                    .containsExactly("INTERIM:2:v1", "PUBLISHED:3:v2");

            KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
            ModelCatalog catalog = new ModelCatalog(clients, topics.models.name());
            ModelCatalog.Loaded interim = catalog.load("cats-dogs:1").orElseThrow();
            ModelCatalog.Loaded last = catalog.load("cats-dogs").orElseThrow();
            assertThat(interim.version().history()).hasSize(2);
            assertThat(last.version().version()).isEqualTo(2);
            assertThat(last.version().history()).hasSize(3);
            assertThat(ContentHash.sha256Hex(interim.artifact())).isEqualTo(interim.version().artifactSha256())
                    .isNotEqualTo(last.version().artifactSha256());
            // Under rule better the interim version (no production yet) became production; the final one only if its
            // validation accuracy beats the interim's, and the state says which numbers were compared.
            double interimAcc = interim.version().last().valAccuracy();
            double lastAcc = last.version().last().valAccuracy();
            RolloutState rollout = new RolloutCatalog(clients, topics.modelsRollout.name()).state("cats-dogs");
            assertThat(rollout.rule()).isEqualTo(RolloutRule.BETTER);
            assertThat(rollout.production()).isEqualTo(lastAcc > interimAcc ? 2 : 1);
            assertThat(rollout.change().action()).isEqualTo("published");
            assertThat(rollout.change().detail()).contains("cats-dogs:2 published",
                    String.format(java.util.Locale.ROOT, "%.4f", lastAcc), String.format(java.util.Locale.ROOT, "%.4f", interimAcc));
            try (var files = Files.list(state.resolve("jobs").resolve(req.jobId()))) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("interim-"));
            }
        } finally {
            worker.stop();
        }
    }

    @Test
    void aPooledNetworkTrainsOnSmallerCropsAndItsVersionAnswersAtTheStoredSize(KafkaTestBroker broker, @TempDir Path state)
            throws Exception {
        String prefix = broker.uniqueName("train-crops") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("train"), 40, SHAPE);
        TrainerWorker worker = TrainerTestSupport.worker(env(broker.bootstrapServers(), prefix, state));
        worker.start();
        try {
            ImageShape crops = new ImageShape(48, 48, 3);
            TrainingRequest flat = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, "job-flat-crops", "flat", "small-vgg",
                    null, SHAPE, null, OptimizerSpec.defaults(), 16, 1, AugmentSettings.photos(), 7L, null, Instant.now(),
                    null, false, crops);
            // Two epochs of crops growing from 32x32x3: the first epoch at 32, the second at 48.
            TrainingRequest pooled = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, "job-crops", "pooled", "resnet-small",
                    null, SHAPE, null, OptimizerSpec.of(OptimizerSpec.SGD), 16, 2, AugmentSettings.photos(), 7L, null,
                    Instant.now(), null, true, crops, new ImageShape(32, 32, 3));
            send(broker.bootstrapServers(), topics, flat);
            send(broker.bootstrapServers(), topics, pooled);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    events(broker.bootstrapServers(), topics.trainingMetrics.name(), pooled.jobId()).stream()
                            .anyMatch(e -> e.type() == TrainingEvent.Type.PUBLISHED || e.type() == TrainingEvent.Type.FAILED));
            assertThat(events(broker.bootstrapServers(), topics.trainingMetrics.name(), flat.jobId()))
                    .filteredOn(e -> e.type() == TrainingEvent.Type.FAILED).singleElement()
                    .satisfies(e -> assertThat(e.message()).contains("invalid network", "takes only 64x64x3 images"));
            assertThat(events(broker.bootstrapServers(), topics.trainingMetrics.name(), pooled.jobId()))
                    .extracting(TrainingEvent::type).contains(TrainingEvent.Type.PUBLISHED)
                    .doesNotContain(TrainingEvent.Type.FAILED);
            assertThat(events(broker.bootstrapServers(), topics.trainingMetrics.name(), pooled.jobId()))
                    .filteredOn(e -> e.type() == TrainingEvent.Type.EPOCH)
                    .extracting(e -> e.metrics().trainSize())
                    .containsExactly(new ImageShape(32, 32, 3), crops);

            KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
            ModelCatalog.Loaded loaded = new ModelCatalog(clients, topics.models.name()).load("pooled").orElseThrow();
            // The manifest says both sizes: whole images of 64x64x3 in, trained on 48x48x3 crops (its request).
            assertThat(loaded.version().inputShape()).isEqualTo(SHAPE);
            TrainingRequest recorded = dev.pixelflow.common.message.Json.MAPPER.readValue(loaded.version().request(),
                    TrainingRequest.class);
            assertThat(recorded.trainSize()).isEqualTo(crops);
            assertThat(recorded.trainSizeFrom()).isEqualTo(new ImageShape(32, 32, 3));
            Path exported = state.resolve("pooled.bin");
            Files.write(exported, loaded.artifact());
            try (ClassifierEngine engine = Engines.load(exported)) {
                assertThat(engine.spec().input()).isEqualTo(SHAPE);
                assertThat(engine.output(new float[2 * SHAPE.length()], 2)).hasNumberOfRows(2);
            }
        } finally {
            worker.stop();
        }
    }

    @Test
    void aJobWithNoDataAtItsSizeFailsAtOnceNamingTheSizesThatExist(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("train-nodata") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("test"), 3,
                new ImageShape(32, 32, 3));
        TrainerWorker worker = TrainerTestSupport.worker(env(broker.bootstrapServers(), prefix, state));
        worker.start();
        try {
            TrainingRequest req = request("job-nodata", 1);
            send(broker.bootstrapServers(), topics, req);
            await().atMost(Duration.ofMinutes(1)).until(() -> events(broker.bootstrapServers(), topics.trainingMetrics.name(),
                    req.jobId()).stream().anyMatch(e -> e.type() == TrainingEvent.Type.FAILED));
            TrainingEvent failed = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId()).stream()
                    .filter(e -> e.type() == TrainingEvent.Type.FAILED).findFirst().orElseThrow();
            assertThat(failed.message()).contains("64x64x3", "32x32x3", "--size 64x64x3");
            assertThat(worker.healthy()).isTrue();
            // Nothing waits on images.raw: the dataset is complete, so no warning.
            assertThat(events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId()))
                    .extracting(TrainingEvent::type).doesNotContain(TrainingEvent.Type.WARNING);
        } finally {
            worker.stop();
        }
    }

    @Test
    void aJobStartedWhileRawImagesAreNotYetTensorsWarnsWithTheLag(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("train-partial") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("test"), 3,
                new ImageShape(32, 32, 3));
        // What `pixelflow ingest` leaves behind when the trainer starts before the ingest worker is done (here: none runs).
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topics.imagesRaw.name(), "raw-" + i, new byte[] {(byte) i})).get();
            }
        }
        TrainerWorker worker = TrainerTestSupport.worker(env(broker.bootstrapServers(), prefix, state));
        worker.start();
        try {
            // The request's size has no tensors, so the job ends right after taking its dataset: no training needed.
            TrainingRequest req = request("job-partial", 1);
            send(broker.bootstrapServers(), topics, req);
            await().atMost(Duration.ofMinutes(1)).until(() -> events(broker.bootstrapServers(), topics.trainingMetrics.name(),
                    req.jobId()).stream().anyMatch(e -> e.type() == TrainingEvent.Type.FAILED));
            List<TrainingEvent> events = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId());
            assertThat(events).extracting(TrainingEvent::type).startsWith(TrainingEvent.Type.WARNING);
            assertThat(events.get(0).message()).contains("5 raw images", topics.imagesRaw.name(), "pixelflow-ingest");
        } finally {
            worker.stop();
        }
    }

    static TrainingRequest request(String jobId, int epochs) {
        return new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, "cats-dogs", "small-vgg", null, SHAPE, null,
                OptimizerSpec.defaults(), 32, epochs, AugmentSettings.defaults(), 7L, null, Instant.now());
    }

    static void send(String bootstrap, Topics topics, TrainingRequest req) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.trainingRequests.name(), req.jobId(),
                    TrainingRequest.SERDE.serialize("", req))).get();
        }
    }
}
