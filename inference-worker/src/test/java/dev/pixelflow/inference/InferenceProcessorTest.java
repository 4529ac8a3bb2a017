package dev.pixelflow.inference;

import static dev.pixelflow.inference.ClassifyRequestTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.imaging.ImageEncoder;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.ShadowAnswer;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutRule;
import dev.pixelflow.common.rollout.RolloutState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batch logic without a broker or ND4J: real decoding, a fake engine, a mock producer. */
class InferenceProcessorTest {
    private static final String RESULTS = "classify.results";
    private static final String SHADOW = "classify.shadow";
    private static final long NOW = 1_000_000L;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final EngineThread engines = new EngineThread();
    private final ModelLoader loader = (m, artifact, offset) -> new LoadedModel(m, new FakeEngine(2), offset);
    private final ModelStore store = new ModelStore(loader, ref -> Optional.empty(), new SimpleMeterRegistry());
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        engines.close();
        pool.shutdownNow();
        store.close();
    }

    private InferenceProcessor processor(int batchSize) {
        return processor(batchSize, Map.of());
    }

    private InferenceProcessor processor(int batchSize, Map<String, RolloutState> rollouts) {
        store.onCaughtUp();
        store.onVersion(FakeEngine.manifest("cats", 1, List.of("cat", "dog")), new byte[] {1}, 5);
        await().atMost(Duration.ofSeconds(5)).until(store::hasModel);
        // Versions read back from the "topic" (those the store no longer holds): the same fake classifier.
        PinnedModels pinned = new PinnedModels(2, ref -> Optional.of(new ModelCatalog.Loaded(FakeEngine.manifest("cats",
                Integer.parseInt(ref.substring(ref.indexOf(':') + 1)), List.of("cat", "dog")), new byte[] {1})), loader);
        ModelResolver resolver = new ModelResolver(store, pinned, null, () -> rollouts);
        ReplyTopics replyTopics = new ReplyTopics(t -> t.equals("mine"), () -> NOW, RESULTS);
        return new InferenceProcessor(new ImagePreprocessor(ImageLimits.defaults()), pool, engines, resolver, replyTopics, RESULTS,
                SHADOW, batchSize, "worker-1", () -> NOW, metrics);
    }

    private static byte[] png(int value) {
        byte[] pixels = new byte[FakeEngine.SHAPE.length()];
        Arrays.fill(pixels, (byte) value);
        return ImageEncoder.png(pixels, FakeEngine.SHAPE);
    }

    private static ConsumerRecords<String, byte[]> poll(List<ConsumerRecord<String, byte[]>> records) {
        return new ConsumerRecords<>(Map.of(new TopicPartition("classify.requests", 2), records), Map.of());
    }

    @Test
    void everyRequestGetsOneAnswerInInputOrderAndBadOnesDoNotFailTheBatch() throws Exception {
        InferenceProcessor processor = processor(2);
        byte[] random = new byte[3000];
        new Random(7).nextBytes(random);
        List<ConsumerRecord<String, byte[]>> in = List.of(
                record("white", png(255), MessageHeaders.CORRELATION_ID, "c-white"),
                record("empty", new byte[0]),
                record("black", png(0)),
                record("random", random),
                record("expired", png(255), MessageHeaders.DEADLINE, Long.toString(NOW - 1)),
                record("nowhere", png(255), MessageHeaders.REPLY_TO, "no.such.topic"),
                record("mine", png(255), MessageHeaders.REPLY_TO, "mine"),
                record("pinned", png(255), MessageHeaders.MODEL, "cats:99"),
                record("other", png(255), MessageHeaders.MODEL, "dogs"),
                record("text", "hello, not an image".getBytes(StandardCharsets.UTF_8)),
                record("white2", png(250)));
        MockProducer<String, ClassifyResult> producer = new MockProducer<>(true, null, new StringSerializer(), ClassifyResult.SERDE);

        processor.start(poll(in)).sendTo(producer);

        List<ProducerRecord<String, ClassifyResult>> out = producer.history();
        assertThat(out).extracting(ProducerRecord::key).containsExactly("white", "empty", "black", "random", "expired",
                "nowhere", "mine", "pinned", "other", "text", "white2");
        assertThat(out).extracting(ProducerRecord::topic).containsExactly(RESULTS, RESULTS, RESULTS, RESULTS, RESULTS,
                RESULTS, "mine", RESULTS, RESULTS, RESULTS, RESULTS);
        assertThat(out).extracting(r -> r.value().ok() ? r.value().label() : r.value().error()).containsExactly("cat",
                "empty", "dog", "unsupported-format", "expired", "bad-reply-to", "cat", "unknown-model-version", "no-model",
                "unsupported-format", "cat");
        ClassifyResult white = out.get(0).value();
        assertThat(white.correlationId()).isEqualTo("c-white");
        assertThat(white.confidence()).isEqualTo(1.0);
        assertThat(white.scores()).containsOnlyKeys("cat", "dog");
        assertThat(white.model()).isEqualTo("cats");
        assertThat(white.version()).isEqualTo(1);
        assertThat(white.latencyMs()).isEqualTo(NOW - 1_000L);
        assertThat(out.get(1).value().correlationId()).isEqualTo("empty");
        assertThat(out).allSatisfy(r -> {
            assertThat(MessageHeaders.text(r.headers(), MessageHeaders.CORRELATION_ID)).isEqualTo(r.value().correlationId());
            assertThat(MessageHeaders.text(r.headers(), InferenceWorker.ANSWERED_BY)).isEqualTo("worker-1");
            assertThat(r.value().requestId()).isEqualTo(r.key());
        });
        assertThat(out).filteredOn(r -> !r.value().ok()).allSatisfy(r -> assertThat(r.value().detail()).isNotBlank());
        FakeEngine engine = (FakeEngine) store.current().get("cats").engine();
        assertThat(engine.batchSizes).containsExactly(2, 2);
        assertThat(metrics.get("pixelflow_inference_requests").counter().count()).isEqualTo(11.0);
        assertThat(metrics.get("pixelflow_inference_answers").tag("outcome", "ok").counter().count()).isEqualTo(4.0);
        assertThat(metrics.get("pixelflow_inference_batch_size").summary().count()).isEqualTo(2);
    }

    @Test
    void theRolloutRoutesByRequestIdAndTheShadowAnswersOnlyOnItsTopic() throws Exception {
        // Production is cats:2 and shadow cats:1 (both read back from the topic), canary cats:3 (the store's newest).
        RolloutState state = new RolloutState(RolloutState.SCHEMA_VERSION, "cats", RolloutRule.MANUAL, 0, 2, List.of(1),
                3, 30, 1, null, null);
        InferenceProcessor processor = processor(4, Map.of("cats", state));
        store.onVersion(FakeEngine.manifest("cats", 2, List.of("cat", "dog")), new byte[] {1}, 6);
        store.onVersion(FakeEngine.manifest("cats", 3, List.of("cat", "dog")), new byte[] {1}, 7);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.current().get("cats").version() == 3);
        List<ConsumerRecord<String, byte[]>> in = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            in.add(record("req-" + i, png(255)));
        }
        in.add(record("pinned", png(255), MessageHeaders.MODEL, "cats:1"));
        in.add(record("alias", png(255), MessageHeaders.MODEL, "cats@canary"));
        in.add(record("prod", png(255), MessageHeaders.MODEL, "cats@production"));
        MockProducer<String, ClassifyResult> producer = new MockProducer<>(true, null, new StringSerializer(), ClassifyResult.SERDE);

        processor.start(poll(in)).sendTo(producer);

        List<ProducerRecord<String, ClassifyResult>> answers = producer.history().stream()
                .filter(r -> r.topic().equals(RESULTS)).toList();
        assertThat(answers).hasSize(in.size());
        assertThat(answers).allSatisfy(r -> assertThat(r.value().ok()).as(r.value().detail()).isTrue());
        for (ProducerRecord<String, ClassifyResult> r : answers.subList(0, 40)) {
            boolean canary = CanaryRouter.toCanary(r.key(), 30);
            assertThat(r.value().route()).as(r.key()).isEqualTo(canary ? "canary" : "production");
            assertThat(r.value().version()).as(r.key()).isEqualTo(canary ? 3 : 2);
        }
        assertThat(answers.subList(0, 40)).extracting(r -> r.value().route()).contains("canary", "production");
        assertThat(answers.get(40).value()).extracting(ClassifyResult::route, ClassifyResult::version).containsExactly("pinned", 1);
        assertThat(answers.get(41).value()).extracting(ClassifyResult::route, ClassifyResult::version).containsExactly("canary", 3);
        assertThat(answers.get(42).value()).extracting(ClassifyResult::route, ClassifyResult::version)
                .containsExactly("production", 2);

        // The shadow records share the reply producer (one transaction); their values are shadow answers.
        List<Object> shadow = producer.history().stream().filter(r -> r.topic().equals(SHADOW))
                .map(r -> (Object) ((ProducerRecord<?, ?>) r).value()).toList();
        long production = answers.stream().filter(r -> "production".equals(r.value().route())).count();
        assertThat(shadow).hasSize((int) production);
        assertThat(shadow).allSatisfy(v -> assertThat(v).isInstanceOf(ShadowAnswer.class));
        ShadowAnswer first = (ShadowAnswer) shadow.get(0);
        @SuppressWarnings({"unchecked", "rawtypes"})
        byte[] written = ((org.apache.kafka.common.serialization.Serializer) ClassifyResult.SERDE).serialize(SHADOW, first);
        assertThat(ShadowAnswer.SERDE.deserialize(SHADOW, written)).isEqualTo(first);
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.productionVersion()).isEqualTo(2);
        assertThat(first.productionLabel()).isEqualTo(answers.stream().filter(r -> r.key().equals(first.requestId()))
                .findFirst().orElseThrow().value().label());
        assertThat(first.agrees()).as("one fake classifier throughout").isTrue();
        assertThat(metrics.get("pixelflow_inference_routed").tags("model", "cats", "version", "1", "route", "shadow")
                .counter().count()).isEqualTo((double) production);
    }
}
