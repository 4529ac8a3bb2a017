package dev.pixelflow.inference;

import static dev.pixelflow.inference.InferenceTestSupport.MODEL;
import static dev.pixelflow.inference.InferenceTestSupport.env;
import static dev.pixelflow.inference.InferenceTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ShadowAnswer;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutControl;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Promote, canary, shadow and roll back through models.rollout, answered by the real inference worker. */
@ExtendWith(KafkaBrokerExtension.class)
class RolloutIT {
    private static final int REQUESTS = 600;
    private static final int WEIGHT = 10;

    @Test
    void promoteCanaryShadowAndRollbackTakeEffectBetweenBatches(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("rollout") + ".";
        Topics topics = InferenceTestSupport.createTopics(broker, prefix);
        for (int v = 1; v <= 3; v++) {
            InferenceTestSupport.publish(broker, topics, MODEL, v, InferenceTestSupport.tinyModel(v));
        }
        byte[] image = Files.readAllBytes(InferenceTestSupport.photos(TestDatasets.dogsVsCats().resolve("test"), 1).get(0));
        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
        RolloutCatalog rollouts = new RolloutCatalog(clients, topics.modelsRollout.name());
        RolloutControl control = new RolloutControl(new ModelCatalog(clients, topics.models.name()), rollouts);
        InferenceWorker worker = InferenceTestSupport.worker(env(broker, prefix, "w1"), new SimpleMeterRegistry());
        worker.start();
        AtomicInteger probes = new AtomicInteger();
        try (KafkaProducer<String, byte[]> producer = InferenceTestSupport.producer(broker);
             InferenceTestSupport.Answers answers = new InferenceTestSupport.Answers(broker, topics.classifyResults.name())) {
            await().atMost(Duration.ofSeconds(60)).until(worker::ready);
            // No rollout state: the newest version answers, by route production.
            assertThat(ask(producer, answers, topics, "first", image)).extracting(ClassifyResult::version, ClassifyResult::route)
                    .containsExactly(3, "production");

            control.promote(MODEL, 1, "v3 looks off");
            awaitProduction(producer, answers, topics, image, probes, 1);

            control.canary(MODEL, 2, WEIGHT, "try v2");
            control.shadow(MODEL, 3, "watch v3");
            await().atMost(Duration.ofSeconds(10)).until(() -> rollouts.state(MODEL).shadow() != null);
            // The worker applies a change between batches: a probe answered by the canary's route shows it has.
            awaitRoute(producer, answers, topics, image, probes, "canary");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String id = "load-" + i;
                ids.add(id);
                producer.send(request(topics, id, image));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(90)).pollInSameThread().until(() -> {
                answers.poll();
                return answers.byRequest().keySet().containsAll(ids);
            });
            answers.drain();
            long canary = 0;
            for (String id : ids) {
                assertThat(answers.byRequest().get(id)).as(id).hasSize(1);
                ClassifyResult r = answers.result(id);
                boolean toCanary = CanaryRouter.toCanary(id, WEIGHT);
                assertThat(r.route()).as(id).isEqualTo(toCanary ? "canary" : "production");
                assertThat(r.version()).as(id).isEqualTo(toCanary ? 2 : 1);
                canary += toCanary ? 1 : 0;
            }
            assertThat(canary).as("canary answers of %d", REQUESTS).isBetween(30L, 90L);
            List<ShadowAnswer> shadow = shadowAnswers(broker, topics);
            List<String> shadowed = shadow.stream().map(ShadowAnswer::requestId).filter(ids::contains).toList();
            assertThat(shadowed).as("every production answer of the load, shadowed once")
                    .containsExactlyInAnyOrderElementsOf(ids.stream().filter(id -> !CanaryRouter.toCanary(id, WEIGHT)).toList());
            assertThat(shadow).allSatisfy(s -> {
                assertThat(s.version()).isEqualTo(3);
                assertThat(s.productionVersion()).isEqualTo(1);
            });
            assertThat(shadow.stream().filter(s -> ids.contains(s.requestId())).collect(Collectors.toMap(
                    ShadowAnswer::requestId, ShadowAnswer::productionLabel))).allSatisfy((id, label) ->
                    assertThat(answers.result(id).label()).isEqualTo(label));
            // A pinned request and the canary alias still go where they say.
            assertThat(ask(producer, answers, topics, "pinned", image, "model", MODEL + ":3"))
                    .extracting(ClassifyResult::version, ClassifyResult::route).containsExactly(3, "pinned");
            assertThat(ask(producer, answers, topics, "alias", image, "model", MODEL + "@canary"))
                    .extracting(ClassifyResult::version, ClassifyResult::route).containsExactly(2, "canary");

            // Refused, state unchanged.
            RolloutState before = rollouts.state(MODEL);
            assertThatThrownBy(() -> control.promote(MODEL, 9, null)).hasMessageContaining("no complete version pets:9");
            assertThatThrownBy(() -> control.canary(MODEL, 2, 101, null)).hasMessageContaining("0 to 100");
            assertThatThrownBy(() -> control.shadow(MODEL, 1, null)).hasMessageContaining("is production");
            assertThat(rollouts.state(MODEL)).isEqualTo(before);

            long rolledBack = System.currentTimeMillis();
            control.stopCanary(MODEL, null);
            RolloutState back = control.rollback(MODEL, "back to v3");
            assertThat(back.production()).isEqualTo(3);
            assertThat(back.shadow()).as("the shadow was v3: it is production now").isNull();
            awaitProduction(producer, answers, topics, image, probes, 3);
            System.out.printf("rollout: rollback served within %d ms%n", System.currentTimeMillis() - rolledBack);
        } finally {
            worker.stop();
        }
    }

    private static ClassifyResult ask(KafkaProducer<String, byte[]> producer, InferenceTestSupport.Answers answers,
                                      Topics topics, String id, byte[] image, String... headers) {
        producer.send(request(topics, id, image, headers));
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            answers.poll();
            return answers.result(id) != null;
        });
        return answers.result(id);
    }

    private static void awaitProduction(KafkaProducer<String, byte[]> producer, InferenceTestSupport.Answers answers,
                                        Topics topics, byte[] image, AtomicInteger probes, int version) {
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> {
            ClassifyResult r = ask(producer, answers, topics, "probe-" + probes.incrementAndGet(), image, "model",
                    MODEL + "@production");
            return r.version() == version;
        });
    }

    private static void awaitRoute(KafkaProducer<String, byte[]> producer, InferenceTestSupport.Answers answers,
                                   Topics topics, byte[] image, AtomicInteger probes, String route) {
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> {
            ClassifyResult r = ask(producer, answers, topics, "probe-" + probes.incrementAndGet(), image, "model",
                    MODEL + "@" + route);
            return r.ok() && route.equals(r.route());
        });
    }

    private static List<ShadowAnswer> shadowAnswers(KafkaTestBroker broker, Topics topics) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("isolation.level", "read_committed");
        List<ShadowAnswer> out = new ArrayList<>();
        String topic = topics.classifyShadow.name();
        try (KafkaConsumer<String, ShadowAnswer> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                ShadowAnswer.SERDE)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, ShadowAnswer> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
