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
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two workers in one group, one of them a separate JVM killed with SIGKILL mid-stream: the survivor takes over
 * its partitions, and the killed one's open transaction is aborted, so every request is answered exactly once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class InferenceGroupIT {
    private static final int REQUESTS = 1_000;
    private static final Pattern METRICS_URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/health");
    private static final long REQUEST_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(8);
    /** Short, so the group notices the killed member in seconds rather than Kafka's default 45 s. */
    private static final String SESSION_TIMEOUT_MS = "6000";
    /** Short, so the broker aborts the killed member's open transaction soon (it checks every 10 s). */
    private static final String TRANSACTION_TIMEOUT_MS = "5000";

    @Test
    void twoWorkersShareTheRequestsAndKillingOneLosesNothing(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("infer-group") + ".";
        Topics topics = InferenceTestSupport.createTopics(broker, prefix);
        Map<String, String> survivorEnv = env(broker, prefix, "survivor", "KAFKA_SESSION_TIMEOUT_MS", SESSION_TIMEOUT_MS,
                "KAFKA_TRANSACTION_TIMEOUT_MS", TRANSACTION_TIMEOUT_MS);
        Map<String, String> childEnv = env(broker, prefix, "child", "KAFKA_SESSION_TIMEOUT_MS", SESSION_TIMEOUT_MS,
                "KAFKA_TRANSACTION_TIMEOUT_MS", TRANSACTION_TIMEOUT_MS, "PIXELFLOW_DECODE_THREADS", "1");
        String group = survivorEnv.get("PIXELFLOW_INFERENCE_GROUP");
        String survivorId = survivorEnv.get("PIXELFLOW_INSTANCE_ID");
        String childId = childEnv.get("PIXELFLOW_INSTANCE_ID");
        Path childLog = Path.of("target", "inference-child-" + prefix + "log").toAbsolutePath();
        // First, so that the child JVM starts while this one makes and publishes the model.
        Process child = startChild(childEnv, childLog);

        try {
            InferenceTestSupport.publish(broker, topics, MODEL, 1, InferenceTestSupport.tinyModel(1));
            List<byte[]> images = new ArrayList<>();
            for (Path p : InferenceTestSupport.photos(TestDatasets.dogsVsCats().resolve("test"), 16)) {
                images.add(Files.readAllBytes(p));
            }
            InferenceWorker survivor = InferenceTestSupport.worker(survivorEnv, new SimpleMeterRegistry());
            survivor.start();
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> clientFailure = new AtomicReference<>();
            Thread client = new Thread(() -> {
                try (KafkaProducer<String, byte[]> producer = InferenceTestSupport.producer(broker)) {
                    for (int i = 0; i < REQUESTS; i++) {
                        producer.send(request(topics, "r" + i, images.get(i % images.size())), (md, e) -> {
                            if (e != null) {
                                clientFailure.compareAndSet(null, e);
                            }
                        });
                        sent.incrementAndGet();
                        LockSupport.parkNanos(REQUEST_INTERVAL_NANOS);
                    }
                    producer.flush();
                } catch (Throwable t) {
                    clientFailure.compareAndSet(null, t);
                }
            }, "streaming-client");
            try (Admin admin = Admin.create(broker.adminProperties());
                 InferenceTestSupport.Answers answers = new InferenceTestSupport.Answers(broker, topics.classifyResults.name())) {
                // Both serve v1 (the child may have started before it was published) and both own partitions.
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .failFast("the child worker exited; see " + childLog, () -> !child.isAlive())
                        .until(() -> survivor.ready() && servesVersion(childLog, 1) && bothMembersAssigned(admin, group));
                client.start();
                await().atMost(Duration.ofSeconds(60)).pollInSameThread()
                        .until(() -> {
                            answers.poll();
                            return answeredBy(answers, childId) >= 50 && answeredBy(answers, survivorId) >= 50;
                        });
                int sentAtKill = sent.get();
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                long childAnswers = answeredBy(answers, childId);

                client.join(60_000);
                assertThat(clientFailure.get()).isNull();
                await().atMost(Duration.ofSeconds(90)).pollInSameThread().until(() -> answers.poll() >= REQUESTS);
                answers.drain();

                Map<String, List<ConsumerRecord<String, ClassifyResult>>> byRequest = answers.byRequest();
                assertThat(byRequest).hasSize(REQUESTS);
                assertThat(byRequest.values()).allSatisfy(rs -> assertThat(rs).hasSize(1));
                assertThat(answers.all()).hasSize(REQUESTS);
                assertThat(answers.all()).allSatisfy(r -> assertThat(r.value().ok()).isTrue());
                Map<String, Long> perWorker = answers.all().stream().collect(Collectors.groupingBy(
                        r -> MessageHeaders.text(r.headers(), InferenceWorker.ANSWERED_BY), Collectors.counting()));
                assertThat(perWorker.keySet()).containsExactlyInAnyOrder(survivorId, childId);
                assertThat(sentAtKill).isLessThan(REQUESTS);
                assertThat(survivor.healthy()).isTrue();
                System.out.printf("group: child answered %d (>= %d when killed after %d sent), survivor %d%n",
                        perWorker.get(childId), childAnswers, sentAtKill, perWorker.get(survivorId));
            } finally {
                client.join(60_000);
                survivor.stop();
            }
        } finally {
            child.destroyForcibly();
        }
    }

    private static long answeredBy(InferenceTestSupport.Answers answers, String instance) {
        return answers.all().stream().filter(r -> instance.equals(MessageHeaders.text(r.headers(), InferenceWorker.ANSWERED_BY)))
                .count();
    }

    /** Reads the child's /metrics, at the port its log names, for the model version gauge. */
    private static boolean servesVersion(Path childLog, int version) throws Exception {
        if (!Files.exists(childLog)) {
            return false;
        }
        Matcher m = METRICS_URL.matcher(Files.readString(childLog));
        if (!m.find()) {
            return false;
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + m.group(1) + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().lines().anyMatch(line -> line.startsWith("pixelflow_inference_model_version{")
                && line.contains("model=\"" + MODEL + "\"") && line.endsWith(" " + (double) version));
    }

    private static boolean bothMembersAssigned(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d;
        try {
            d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return false; // no member has joined yet
            }
            throw e;
        }
        return d != null && d.groupState() == GroupState.STABLE && d.members().size() == 2
                && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
    }

    /** The worker's real main in a new JVM on this test's class path, so SIGKILL hits a whole process. */
    private static Process startChild(Map<String, String> env, Path log) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        // The same module openings as this JVM (ND4J and Kafka may need them).
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).forEach(command::add);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(InferenceWorkerMain.class.getName());
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

}
