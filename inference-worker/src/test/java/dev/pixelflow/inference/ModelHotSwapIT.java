package dev.pixelflow.inference;

import static dev.pixelflow.inference.InferenceTestSupport.MODEL;
import static dev.pixelflow.inference.InferenceTestSupport.env;
import static dev.pixelflow.inference.InferenceTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class ModelHotSwapIT {
    /** Pace of the client: steady load, not a flood. */
    private static final long REQUEST_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int MAX_REQUESTS = 3_000;

    @Test
    void aNewVersionTakesOverUnderLoadWithinFiveSecondsAndNeverGoesBack(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("infer-swap") + ".";
        Topics topics = InferenceTestSupport.createTopics(broker, prefix);
        InferenceTestSupport.publish(broker, topics, MODEL, 1, InferenceTestSupport.tinyModel(1));
        byte[] v2 = InferenceTestSupport.tinyModel(2);
        List<byte[]> images = new ArrayList<>();
        for (Path p : InferenceTestSupport.photos(TestDatasets.dogsVsCats().resolve("test"), 16)) {
            images.add(Files.readAllBytes(p));
        }
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        InferenceWorker worker = InferenceTestSupport.worker(env(broker, prefix, "w1"), metrics);
        worker.start();
        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicBoolean streaming = new AtomicBoolean(true);
        AtomicReference<Throwable> clientFailure = new AtomicReference<>();
        Thread client = new Thread(() -> {
            try (KafkaProducer<String, byte[]> producer = InferenceTestSupport.producer(broker)) {
                for (int i = 0; streaming.get() && i < MAX_REQUESTS; i++) {
                    String id = "r" + i;
                    producer.send(request(topics, id, images.get(i % images.size())), (md, e) -> {
                        if (e != null) {
                            clientFailure.compareAndSet(null, e);
                        }
                    });
                    sent.add(id);
                    LockSupport.parkNanos(REQUEST_INTERVAL_NANOS);
                }
            } catch (Throwable t) {
                clientFailure.compareAndSet(null, t);
            }
        }, "streaming-client");
        try (InferenceTestSupport.Answers answers = new InferenceTestSupport.Answers(broker, topics.classifyResults.name())) {
            await().atMost(Duration.ofSeconds(60)).until(worker::ready);
            client.start();
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> answers.poll() >= 50);

            InferenceTestSupport.publish(broker, topics, MODEL, 2, v2);
            long published = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
                answers.poll();
                return answers.all().stream().filter(r -> r.value().version() == 2).count() >= 100;
            });
            streaming.set(false);
            client.join(10_000);
            assertThat(clientFailure.get()).isNull();
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> answers.poll() >= sent.size());
            answers.drain();

            assertThat(answers.byRequest().keySet()).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(answers.all()).hasSize(sent.size());
            assertThat(answers.all()).allSatisfy(r -> assertThat(r.value().ok())
                    .as("%s: %s %s", r.key(), r.value().error(), r.value().detail()).isTrue());
            long lastV1 = answers.all().stream().filter(r -> r.value().version() == 1)
                    .mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
            long firstV2 = answers.all().stream().filter(r -> r.value().version() == 2)
                    .mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
            assertThat(answers.all()).extracting(r -> r.value().version()).containsOnly(1, 2);
            assertThat(lastV1).as("last answer by v1, ms after the publish").isLessThanOrEqualTo(published + 5_000);
            assertThat(lastV1).as("no v1 answer after the first v2 answer").isLessThanOrEqualTo(firstV2);
            // One image gets one answer from one version, whatever batch it was in (catches engine state leaking
            // between calls, which a swap or a varying batch size would expose).
            Map<String, DoubleSummaryStatistics> scores = answers.all().stream().collect(Collectors.groupingBy(
                    r -> r.value().version() + "/" + Integer.parseInt(r.key().substring(1)) % images.size(),
                    Collectors.summarizingDouble(r -> r.value().scores().get("dog"))));
            assertThat(scores.values()).allSatisfy(st -> assertThat(st.getMax() - st.getMin()).isLessThan(1e-5));
            assertThat(metrics.get("pixelflow_inference_model_version").tag("model", MODEL).gauge().value()).isEqualTo(2.0);
            assertThat(metrics.get("pixelflow_inference_model_swaps").counter().count()).isEqualTo(2.0);
            assertThat(metrics.get("pixelflow_inference_latency").timer().count()).isGreaterThanOrEqualTo(sent.size());
            System.out.printf("hot swap: %d requests, first v2 answer %d ms after the publish%n", sent.size(),
                    firstV2 - published);
            answers.all().stream().map(ConsumerRecord::value).map(ClassifyResult::latencyMs).max(Long::compare)
                    .ifPresent(max -> System.out.printf("hot swap: max latency %d ms%n", max));
        } finally {
            streaming.set(false);
            client.join(10_000);
            worker.stop();
        }
    }
}
