package dev.pixelflow.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.rollout.RolloutRule;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.worker.TransactionalProducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's one transactional path, on Kafka's mock producer: versions and failures, retried, never twice. */
class VersionPublisherTest {
    private static final String MODELS = "models";
    private static final String METRICS = "training.metrics";
    private static final String ROLLOUT = "models.rollout";
    private static final ConsumerRecord<String, String> REQUEST = new ConsumerRecord<>("training.requests", 0, 41, "job", "{}");
    private static final TrainingRequest REQ = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, "job", "m", "small-cnn",
            null, new ImageShape(8, 8, 1), null, OptimizerSpec.defaults(), 32, 3, AugmentSettings.none(), 7L, null,
            Instant.EPOCH, null);

    @TempDir
    Path dir;
    private final FailsOnce first = new FailsOnce();
    private final MockProducer<String, byte[]> second = mock();
    private final Queue<MockProducer<String, byte[]>> made = new ConcurrentLinkedQueue<>(List.of(first, second));
    private final List<ModelVersion> catalog = new ArrayList<>();
    private final List<String> hookSaw = new ArrayList<>();
    private final Map<String, RolloutState> rollouts = new java.util.HashMap<>();
    private final VersionPublisher publisher = new VersionPublisher(new TransactionalProducer<>("test", made::poll), MODELS,
            METRICS, ROLLOUT, rollouts::get, () -> List.copyOf(catalog), () -> new ConsumerGroupMetadata("trainers"), 2,
            Duration.ofMillis(1),
            new CountDownLatch(1), ref -> hookSaw.add(ref + (first.transactionInFlight() || second.transactionInFlight()
                    ? " in transaction" : "")));

    private static MockProducer<String, byte[]> mock() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    /** A mock producer whose next commit can be made to fail once. */
    private static final class FailsOnce extends MockProducer<String, byte[]> {
        private RuntimeException nextCommit;

        FailsOnce() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public void commitTransaction() {
            RuntimeException e = nextCommit;
            nextCommit = null;
            if (e != null) {
                throw e;
            }
            super.commitTransaction();
        }
    }

    private Path engine(String name) throws Exception {
        return Files.write(dir.resolve(name), new byte[] {1, 2, 3, 4});
    }

    private static List<EpochMetrics> epochs(int n) {
        List<EpochMetrics> out = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            out.add(new EpochMetrics(e, 1.0 / e, 0.5, 1.0 / e, 0.5, null, 1, 1));
        }
        return out;
    }

    private Optional<ModelVersion> publishFinal() throws Exception {
        return publisher.publish(REQ, engine("engine.bin"), epochs(3), Map.of(0, 10L), List.of("a", "b"), REQUEST);
    }

    private static List<TrainingEvent.Type> eventTypes(MockProducer<String, byte[]> p) {
        return p.history().stream().filter(r -> r.topic().equals(METRICS))
                .map(r -> TrainingEvent.SERDE.deserialize(METRICS, r.value()).type()).toList();
    }

    private static List<String> modelKeys(MockProducer<String, byte[]> p) {
        return p.history().stream().filter(r -> r.topic().equals(MODELS)).map(ProducerRecord::key).toList();
    }

    @Test
    void theFinalVersionGoesOutInOneTransactionWithItsEventAndTheRequestsOffset() throws Exception {
        ModelVersion v = publishFinal().orElseThrow();

        assertThat(v.version()).isEqualTo(1);
        assertThat(first.commitCount()).isEqualTo(1);
        assertThat(modelKeys(first)).containsExactly(ModelVersion.chunkKey("m", 1, 0), ModelVersion.manifestKey("m", 1));
        assertThat(eventTypes(first)).containsExactly(TrainingEvent.Type.PUBLISHED);
        assertThat(first.consumerGroupOffsetsHistory()).containsExactly(
                Map.of("trainers", Map.of(new TopicPartition("training.requests", 0), new OffsetAndMetadata(42))));
        assertThat(hookSaw).containsExactly("m:1 in transaction");
        assertThat(dir.resolve("engine.bin")).as("the final engine file is the job's checkpoint").exists();
    }

    @Test
    void anInterimVersionCarriesNoOffsetAndItsCopyIsDeletedOnceOut() throws Exception {
        Path copy = engine("interim-2.bin");
        publisher.publish(REQ, copy, epochs(2), Map.of(0, 10L), List.of("a", "b"), null).orElseThrow();

        assertThat(eventTypes(first)).containsExactly(TrainingEvent.Type.INTERIM);
        assertThat(first.consumerGroupOffsetsHistory()).isEmpty();
        assertThat(copy).doesNotExist();
    }

    @Test
    void aFailedTransactionIsAbortedAndRetriedUnderTheSameVersionNumber() throws Exception {
        first.nextCommit = new KafkaException("injected: commit failed once");

        ModelVersion v = publishFinal().orElseThrow();

        assertThat(first.transactionAborted()).isFalse(); // the mock's flag: the last transaction, the retry, committed
        assertThat(v.version()).isEqualTo(1);
        assertThat(first.commitCount()).isEqualTo(1);
        assertThat(eventTypes(first)).containsExactly(TrainingEvent.Type.PUBLISHED);
        assertThat(hookSaw).hasSize(2);
    }

    @Test
    void aFencedProducerIsReplacedAndItsSuccessorPublishes() throws Exception {
        first.commitTransactionException = new ProducerFencedException("injected: a timeout abort");

        publishFinal().orElseThrow();

        assertThat(first.closed()).isTrue();
        assertThat(first.history()).isEmpty();
        assertThat(second.transactionInitialized()).isTrue();
        assertThat(eventTypes(second)).containsExactly(TrainingEvent.Type.PUBLISHED);
    }

    @Test
    void aVersionAlreadyOutIsNotPublishedAgainButTheRequestIsStillDone() throws Exception {
        publishFinal().orElseThrow();
        catalog.add(ModelVersion.SERDE.deserialize(MODELS, first.history().stream()
                .filter(r -> r.key().equals(ModelVersion.manifestKey("m", 1))).findFirst().orElseThrow().value()));

        assertThat(publishFinal()).isEmpty();
        assertThat(publisher.publish(REQ, engine("interim-3.bin"), epochs(3), Map.of(), List.of(), null)).isEmpty();

        assertThat(modelKeys(first)).hasSize(2);
        assertThat(first.commitCount()).isEqualTo(2);
        assertThat(first.consumerGroupOffsetsHistory()).hasSize(2);
    }

    @Test
    void aFatalErrorIsNotRetriedAndRetriesAreBounded() throws Exception {
        first.commitTransactionException = new AuthorizationException("injected: not allowed");
        assertThatThrownBy(this::publishFinal).isInstanceOf(AuthorizationException.class);
        assertThat(first.commitCount()).isZero();

        first.commitTransactionException = new KafkaException("injected: always failing");
        assertThatThrownBy(this::publishFinal).hasMessageContaining("still failing after 2 retries");
    }

    @Test
    void aFailureGoesOutWithTheRequestsOffset() throws Exception {
        publisher.fail(REQUEST, TrainerWorker.event("job", REQ, TrainingEvent.Type.FAILED, 0, 0, 0, 0, null, null, "bad"));

        assertThat(eventTypes(first)).containsExactly(TrainingEvent.Type.FAILED);
        assertThat(first.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(hookSaw).isEmpty();
    }

    private static RolloutState rollout(MockProducer<String, byte[]> p) {
        List<RolloutState> states = p.history().stream().filter(r -> r.topic().equals(ROLLOUT))
                .map(r -> RolloutState.SERDE.deserialize(ROLLOUT, r.value())).toList();
        assertThat(states).hasSize(1);
        return states.get(0);
    }

    private static ModelVersion published(int version, double valAccuracy) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, "m", version, Instant.EPOCH, "old-job", "samediff", "{}",
                Map.of(), 1, List.of(new EpochMetrics(1, 0.5, 0.5, 0.5, valAccuracy, null, 1, 1)), List.of("a", "b"),
                REQ.inputShape(), dev.pixelflow.imaging.ImagePreprocessor.fingerprint(REQ.inputShape()), "a".repeat(64), 1, 1);
    }

    @Test
    void theRolloutDecisionGoesOutInTheVersionsTransaction() throws Exception {
        publishFinal().orElseThrow();

        RolloutState s = rollout(first);
        assertThat(s.production()).as("a name without a rollout state: the newest serves").isEqualTo(1);
        assertThat(s.change().action()).isEqualTo("published");
        assertThat(s.change().detail()).contains("m:1 published", "promoted");
        assertThat(first.commitCount()).isEqualTo(1);
    }

    @Test
    void underBetterAWorseVersionIsPublishedButProductionStays() throws Exception {
        catalog.add(published(1, 0.80));
        rollouts.put("m", RolloutState.initial("m").promote(1, dev.pixelflow.common.rollout.RolloutChange.now("promote", null,
                null)).withRule(RolloutRule.BETTER, 0.01, dev.pixelflow.common.rollout.RolloutChange.now("rule", null, null)));

        ModelVersion v = publishFinal().orElseThrow(); // epochs(3) ends at val accuracy 0.5

        assertThat(v.version()).isEqualTo(2);
        assertThat(modelKeys(first)).contains(ModelVersion.manifestKey("m", 2));
        RolloutState s = rollout(first);
        assertThat(s.production()).isEqualTo(1);
        assertThat(s.change().detail()).contains("0.5000", "0.8000", "0.0100", "not promoted");
    }

    @Test
    void underBetterABetterVersionBecomesProductionAndTheJobsFollowerIsTold() throws Exception {
        catalog.add(published(1, 0.40));
        rollouts.put("m", RolloutState.initial("m").promote(1, dev.pixelflow.common.rollout.RolloutChange.now("promote", null,
                null)).withRule(RolloutRule.BETTER, 0.05, dev.pixelflow.common.rollout.RolloutChange.now("rule", null, null)));

        publishFinal().orElseThrow(); // 0.5 > 0.40 + 0.05

        RolloutState s = rollout(first);
        assertThat(s.production()).isEqualTo(2);
        assertThat(s.previous()).containsExactly(1);
        TrainingEvent published = first.history().stream().filter(r -> r.topic().equals(METRICS))
                .map(r -> TrainingEvent.SERDE.deserialize(METRICS, r.value())).findFirst().orElseThrow();
        assertThat(published.message()).startsWith("m:2; rollout: ").contains("0.5000", "0.4000", "0.0500", "promoted");
    }

    @Test
    void aCandidateJobNeverTakesProduction() throws Exception {
        catalog.add(published(1, 0.10));
        TrainingRequest candidate = new TrainingRequest(REQ.schemaVersion(), REQ.jobId(), REQ.model(), REQ.preset(), null,
                REQ.inputShape(), null, REQ.optimizer(), REQ.batchSize(), REQ.epochs(), REQ.augmentation(), REQ.seed(), null,
                REQ.requestedAt(), new dev.pixelflow.common.message.PublishPolicy(0, false, true));

        publisher.publish(candidate, engine("engine.bin"), epochs(3), Map.of(0, 10L), List.of("a", "b"), REQUEST).orElseThrow();

        RolloutState s = rollout(first);
        assertThat(s.production()).as("the name had no state: its newest version stays production").isEqualTo(1);
        assertThat(s.change().detail()).contains("candidate");
    }
}
