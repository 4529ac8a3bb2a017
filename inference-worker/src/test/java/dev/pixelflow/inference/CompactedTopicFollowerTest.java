package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pixelflow.common.acl.AccessDenied;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.rollout.RolloutChange;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one follower of the worker's compacted topics, on a MockConsumer: catching up, retrying, and stopping. */
class CompactedTopicFollowerTest {
    private static final Topics TOPICS = new Topics("p.");
    private static final Duration POLL = Duration.ofMillis(10);
    private static final KafkaSettings SETTINGS = KafkaSettings.from(ConfigSource.of(Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "PIXELFLOW_TOPIC_PREFIX", "p.",
            "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"infer\" "
                    + "password=\"pw\";")));
    private static final RoleRights RIGHTS = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "p.")), false);

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final ModelStore store = new ModelStore((m, artifact, offset) -> new LoadedModel(m, new FakeEngine(2), offset),
            ref -> Optional.empty(), metrics);
    private final AtomicReference<Throwable> reported = new AtomicReference<>();

    /** A consumer of one single-partition topic whose end offset is {@code end}; DESCRIBE refused when asked. */
    private static MockConsumer<String, byte[]> consumer(String topic, long end, KafkaException describeRefused) {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public List<PartitionInfo> partitionsFor(String t, Duration timeout) {
                if (describeRefused != null) {
                    throw describeRefused;
                }
                return super.partitionsFor(t, timeout);
            }
        };
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.updatePartitions(topic, List.of(new PartitionInfo(topic, 0, null, new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, end));
        return consumer;
    }

    /** What a producer wrote, as the follower's consumer reads it back from offset 0. */
    private static List<ConsumerRecord<String, byte[]>> asRead(List<ProducerRecord<String, byte[]>> sent) {
        return Stream.iterate(0, i -> i + 1).limit(sent.size()).map(i -> {
            ProducerRecord<String, byte[]> r = sent.get(i);
            return new ConsumerRecord<>(r.topic(), 0, i, r.key(), r.value());
        }).toList();
    }

    private static List<ConsumerRecord<String, byte[]>> modelVersionOne() {
        byte[] artifact = {1};
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, "cats", 1, Instant.EPOCH, "job", "samediff",
                "{}", Map.of(), 1, List.of(), List.of("cat", "dog"), FakeEngine.SHAPE,
                dev.pixelflow.imaging.ImagePreprocessor.fingerprint(FakeEngine.SHAPE), ContentHash.sha256Hex(artifact), 1, 1);
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        ModelPublisher.send(producer, TOPICS.models.name(), manifest, artifact);
        return asRead(producer.history());
    }

    private static List<ConsumerRecord<String, byte[]>> rolloutOfCats() {
        RolloutState state = RolloutState.initial("cats").promote(1, new RolloutChange("promote", "op@host", Instant.EPOCH,
                null, null));
        return List.of(new ConsumerRecord<>(TOPICS.modelsRollout.name(), 0, 0, "cats",
                RolloutState.SERDE.serialize(TOPICS.modelsRollout.name(), state)));
    }

    private CompactedTopicFollower follower(MockConsumer<String, byte[]> consumer, String topic,
                                            CompactedTopicFollower.Handler handler) {
        return new CompactedTopicFollower(consumer, topic, POLL, handler, failure -> reported.set(failure));
    }

    @Test
    void theModelsTopicIsReadFromTheBeginningAndTheStoreIsReadyOnceCaughtUp() throws Exception {
        List<ConsumerRecord<String, byte[]>> records = modelVersionOne();
        MockConsumer<String, byte[]> consumer = consumer(TOPICS.models.name(), records.size(), null);
        consumer.schedulePollTask(() -> records.forEach(consumer::addRecord));
        CompactedTopicFollower follower = follower(consumer, TOPICS.models.name(), new ModelRecords(store));
        Thread thread = new Thread(follower, "test-follower");
        thread.start();
        try {
            assertThat(store.awaitReady(Duration.ofSeconds(10))).isTrue();
            assertThat(follower.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
            assertThat(store.current().get("cats").version()).isEqualTo(1);
        } finally {
            follower.stop();
            thread.join(10_000);
            store.close();
        }
        assertThat(consumer.closed()).isTrue();
        assertThat(follower.failed()).isFalse();
    }

    @Test
    void aBrokerHiccupIsRetriedAndTheRolloutStillArrives() throws Exception {
        List<ConsumerRecord<String, byte[]>> records = rolloutOfCats();
        MockConsumer<String, byte[]> consumer = consumer(TOPICS.modelsRollout.name(), records.size(), null);
        consumer.schedulePollTask(() -> {
            throw new KafkaException("broker hiccup");
        });
        consumer.schedulePollTask(() -> records.forEach(consumer::addRecord));
        RolloutStates states = new RolloutStates();
        CompactedTopicFollower follower = follower(consumer, TOPICS.modelsRollout.name(), states);
        Thread thread = new Thread(follower, "test-follower");
        thread.start();
        try {
            assertThat(follower.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
            assertThat(states.states().get("cats").production()).isEqualTo(1);
            assertThat(follower.failed()).isFalse();
        } finally {
            follower.stop();
            thread.join(10_000);
        }
        assertThat(reported.get()).isNull();
    }

    static Stream<Arguments> refusals() {
        Function<CompactedTopicFollowerTest, CompactedTopicFollower.Handler> models = t -> new ModelRecords(t.store);
        Function<CompactedTopicFollowerTest, CompactedTopicFollower.Handler> rollout = t -> new RolloutStates();
        String m = TOPICS.models.name();
        String r = TOPICS.modelsRollout.name();
        return Stream.of(
                Arguments.of(m, models, "poll", new TopicAuthorizationException(Set.of(m)), "READ on topic p.models"),
                Arguments.of(r, rollout, "poll", new TopicAuthorizationException(Set.of(r)), "READ on topic p.models.rollout"),
                Arguments.of(r, rollout, "partitionsFor", new TopicAuthorizationException(Set.of(r)),
                        "READ on topic p.models.rollout"),
                Arguments.of(m, models, "poll", new GroupAuthorizationException("refused", "some-group"),
                        "group some-group"),
                Arguments.of(r, rollout, "poll", new GroupAuthorizationException("refused", "some-group"),
                        "group some-group"));
    }

    /**
     * A refused READ (or DESCRIBE) is not a hiccup: the follower stops at once, on both topics alike, and what it
     * reports is what the worker's last line is made of: principal, operation and resource.
     */
    @ParameterizedTest(name = "{0}, {2} throws {3}")
    @MethodSource("refusals")
    void aRefusalStopsTheFollowerInsteadOfRetrying(String topic,
                                                   Function<CompactedTopicFollowerTest, CompactedTopicFollower.Handler> handler,
                                                   String where, KafkaException refusal, String named) {
        MockConsumer<String, byte[]> consumer = consumer(topic, 1, where.equals("partitionsFor") ? refusal : null);
        consumer.schedulePollTask(() -> {
            throw refusal;
        });
        CompactedTopicFollower follower = follower(consumer, topic, handler.apply(this));
        // Retrying would never return: the old rollout follower polled on after this exception forever.
        assertTimeoutPreemptively(Duration.ofSeconds(10), follower::run);
        assertThat(follower.failed()).isTrue();
        assertThat(follower.failure()).containsSame(refusal);
        assertThat(reported.get()).as("the worker is told, so it can stop").isSameAs(refusal);
        assertThat(consumer.closed()).isTrue();
        assertThat(AccessDenied.describe(follower.failure().orElseThrow(), SETTINGS, RIGHTS, Role.INFERENCE))
                .hasValueSatisfying(line -> assertThat(line).startsWith("User:infer was refused").contains(named)
                        .doesNotContain("\n"));
    }
}
