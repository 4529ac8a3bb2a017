package dev.pixelflow.inference;

import static dev.pixelflow.inference.InferenceTestSupport.MODEL;
import static dev.pixelflow.inference.InferenceTestSupport.env;
import static dev.pixelflow.inference.InferenceTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class InferenceWorkerIT {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void everyRequestFromKcatAndJavaGetsExactlyOneAnswerFromVersionOne(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("infer-once") + ".";
        Topics topics = InferenceTestSupport.createTopics(broker, prefix);
        InferenceTestSupport.publish(broker, topics, MODEL, 1, InferenceTestSupport.tinyModel(1));
        List<Path> photos = InferenceTestSupport.photos(TestDatasets.dogsVsCats().resolve("test"), 100);
        InferenceWorker worker = InferenceTestSupport.worker(env(broker, prefix, "w1"), new SimpleMeterRegistry());
        worker.start();
        try (InferenceTestSupport.Answers answers = new InferenceTestSupport.Answers(broker, topics.classifyResults.name())) {
            await().atMost(ANSWER_TIMEOUT).until(worker::ready);
            Map<String, String> correlation = new HashMap<>();
            boolean kcat = kcatAvailable();
            List<Path> byJava = kcat ? photos.subList(50, 100) : photos;
            if (kcat) {
                for (Path photo : photos.subList(0, 50)) {
                    String id = "kcat-" + UUID.randomUUID();
                    kcatSend(broker, topics.classifyRequests.name(), id, photo);
                    correlation.put(id, id);
                }
            }
            try (KafkaProducer<String, byte[]> producer = InferenceTestSupport.producer(broker)) {
                for (Path photo : byJava) {
                    String id = UUID.randomUUID().toString();
                    producer.send(request(topics, id, Files.readAllBytes(photo)));
                    correlation.put(id, "corr-" + id);
                }
                producer.flush();
            }
            await().atMost(ANSWER_TIMEOUT).pollInSameThread().until(() -> answers.poll() >= 100);
            answers.drain();

            assertThat(answers.byRequest().keySet()).containsExactlyInAnyOrderElementsOf(correlation.keySet());
            assertThat(answers.all()).hasSize(100);
            for (ConsumerRecord<String, ClassifyResult> r : answers.all()) {
                ClassifyResult result = r.value();
                assertThat(result.ok()).as("%s: %s %s", r.key(), result.error(), result.detail()).isTrue();
                assertThat(result.requestId()).isEqualTo(r.key());
                assertThat(result.correlationId()).isEqualTo(correlation.get(r.key()));
                assertThat(MessageHeaders.text(r.headers(), MessageHeaders.CORRELATION_ID)).isEqualTo(correlation.get(r.key()));
                assertThat(result.model()).isEqualTo(MODEL);
                assertThat(result.version()).isEqualTo(1);
                assertThat(result.label()).isIn("cat", "dog");
                assertThat(result.scores()).containsOnlyKeys("cat", "dog");
                assertThat(result.scores().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                        org.assertj.core.data.Offset.offset(1e-4));
                assertThat(result.confidence()).isBetween(0.5, 1.0);
                assertThat(result.latencyMs()).isNotNegative();
            }
            assertThat(worker.healthy()).isTrue();
            // Everything was checked with Java's requests; report the kcat half as skipped rather than passed.
            Assumptions.assumeTrue(kcat, "kcat is not installed: all 100 requests were sent from Java");
        } finally {
            worker.stop();
        }
    }

    @Test
    void badRequestsGetTheirOwnErrorAndGoodOnesBetweenThemAreAnswered(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("infer-bad") + ".";
        Topics topics = InferenceTestSupport.createTopics(broker, prefix);
        String replies = prefix + "my.replies";
        broker.createTopic(replies, 1);
        InferenceTestSupport.publish(broker, topics, MODEL, 1, InferenceTestSupport.tinyModel(1));
        Path test = TestDatasets.dogsVsCats().resolve("test");
        byte[] photo = Files.readAllBytes(test.resolve("cat.2000.jpg"));
        byte[] random = new byte[5000];
        new Random(1).nextBytes(random);
        long past = System.currentTimeMillis() - 60_000;
        long future = System.currentTimeMillis() + 600_000;

        List<ProducerRecord<String, byte[]>> requests = new ArrayList<>();
        requests.add(request(topics, "good-1", photo));
        requests.add(request(topics, "zero", new byte[0]));
        requests.add(request(topics, "random", random));
        requests.add(request(topics, "good-2", Files.readAllBytes(test.resolve("dog.2000.jpg"))));
        requests.add(request(topics, "text", "just some text, not an image\n".repeat(20).getBytes(StandardCharsets.UTF_8)));
        requests.add(request(topics, "bomb", pngHeader(100_000, 100_000)));
        requests.add(request(topics, "truncated", Arrays.copyOf(photo, photo.length * 6 / 10)));
        requests.add(request(topics, "pinned-unknown", photo, MessageHeaders.MODEL, MODEL + ":99"));
        requests.add(request(topics, "pinned-v1", photo, MessageHeaders.MODEL, MODEL + ":1"));
        requests.add(request(topics, "other-model", photo, MessageHeaders.MODEL, "no-such-model"));
        requests.add(request(topics, "expired", photo, MessageHeaders.DEADLINE, Long.toString(past)));
        requests.add(request(topics, "in-time", photo, MessageHeaders.DEADLINE, Long.toString(future)));
        requests.add(request(topics, "bad-deadline", photo, MessageHeaders.DEADLINE, "tomorrow"));
        requests.add(request(topics, "nowhere", photo, MessageHeaders.REPLY_TO, prefix + "no.such.topic"));
        requests.add(request(topics, "elsewhere", photo, MessageHeaders.REPLY_TO, replies));
        requests.add(request(topics, "good-3", Files.readAllBytes(test.resolve("cat.2001.jpg"))));

        InferenceWorker worker = InferenceTestSupport.worker(env(broker, prefix, "w1"), new SimpleMeterRegistry());
        worker.start();
        try (InferenceTestSupport.Answers answers = new InferenceTestSupport.Answers(broker, topics.classifyResults.name());
             InferenceTestSupport.Answers elsewhere = new InferenceTestSupport.Answers(broker, replies)) {
            try (KafkaProducer<String, byte[]> producer = InferenceTestSupport.producer(broker)) {
                requests.forEach(producer::send);
                producer.flush();
            }
            await().atMost(ANSWER_TIMEOUT).pollInSameThread().until(() -> answers.poll() >= requests.size() - 1);
            await().atMost(ANSWER_TIMEOUT).pollInSameThread().until(() -> elsewhere.poll() >= 1);
            answers.drain();
            elsewhere.drain();

            Map<String, String> outcome = new HashMap<>();
            answers.byRequest().forEach((id, rs) -> {
                assertThat(rs).as(id).hasSize(1);
                ClassifyResult r = rs.get(0).value();
                outcome.put(id, r.ok() ? "ok" : r.error());
                if (!r.ok()) {
                    assertThat(r.detail()).as(id).isNotBlank();
                }
                assertThat(r.correlationId()).isEqualTo("corr-" + id);
            });
            assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                    Map.entry("good-1", "ok"), Map.entry("zero", "empty"), Map.entry("random", "unsupported-format"),
                    Map.entry("good-2", "ok"), Map.entry("text", "unsupported-format"), Map.entry("bomb", "too-many-pixels"),
                    Map.entry("truncated", "truncated"), Map.entry("pinned-unknown", "unknown-model-version"),
                    Map.entry("pinned-v1", "ok"), Map.entry("other-model", "no-model"), Map.entry("expired", "expired"),
                    Map.entry("in-time", "ok"), Map.entry("bad-deadline", "bad-request"), Map.entry("nowhere", "bad-reply-to"),
                    Map.entry("good-3", "ok")));
            assertThat(answers.result("pinned-v1").version()).isEqualTo(1);
            assertThat(elsewhere.all()).hasSize(1);
            assertThat(elsewhere.result("elsewhere").ok()).isTrue();
            assertThat(worker.healthy()).isTrue();
        } finally {
            worker.stop();
        }
    }

    /** A PNG signature and IHDR claiming the given size, and nothing else: a decompression-bomb header. */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        b.putInt(13).put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height);
        b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static boolean kcatAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "kcat"))) {
                return true;
            }
        }
        return false;
    }

    /** The documented shell contract: key = request id, header correlation-id, the file as one message. */
    private static void kcatSend(KafkaTestBroker broker, String topic, String id, Path file) throws Exception {
        Process p = new ProcessBuilder("kcat", "-P", "-b", broker.bootstrapServers(), "-t", topic, "-k", id,
                "-H", "correlation-id=" + id, file.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("kcat exit code; output: %s", output).isZero();
    }
}
