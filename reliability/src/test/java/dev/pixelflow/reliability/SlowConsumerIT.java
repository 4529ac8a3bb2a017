package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Requests arrive far faster than one inference worker with one decode thread can answer them: the consumer lag
 * grows into the thousands, yet the worker's heap after GC stays flat (it reads one poll at a time and holds no
 * queue of its own), every request is answered exactly once, and requests whose deadline passed while they waited
 * are answered "expired" instead of being computed.
 */
@Tag("slow-fault")
@ExtendWith(KafkaBrokerExtension.class)
class SlowConsumerIT {
    private static final int INPUTS = 8_000;
    private static final long DEADLINE_MS = 3_000;
    private static final long SEED = 60L;

    @Test
    void aFloodBuildsLagNotMemoryAndExpiresLateRequests(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("slow") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        Models.publish(bootstrap, topics, 1);
        List<Inputs.Input> requests = Inputs.make("slow-req", INPUTS, 0.0, SEED);
        Map<String, String> env = Workers.env(bootstrap, prefix, "inference", "PIXELFLOW_DECODE_THREADS", "1",
                "PIXELFLOW_BATCH_SIZE", "8", "PIXELFLOW_INFERENCE_MAX_POLL", "32");
        String group = env.get("PIXELFLOW_INFERENCE_GROUP");
        List<Long> heap = new ArrayList<>();
        Map<String, Long> deadlines = new ConcurrentHashMap<>();
        long maxLag = 0;
        try (JavaProcess inference = Workers.inference(Scenarios.LOGS, env);
             OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()));
             Admin admin = Admin.create(broker.adminProperties())) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .failFast("the inference worker exited; see " + inference.logFile(), () -> !inference.isAlive())
                    .until(() -> inference.currentLog().contains("answering requests"));
            // Every other request carries a deadline DEADLINE_MS after it was sent.
            try (Load flood = new Load("flood", bootstrap, requests, in -> {
                Long deadline = null;
                if (Math.floorMod(in.id().hashCode(), 2) == 0) {
                    deadline = System.currentTimeMillis() + DEADLINE_MS;
                    deadlines.put(in.id(), deadline);
                }
                return Inputs.request(topics.classifyRequests.name(), in, deadline);
            }, 0).start()) {
                assertThat(flood.await(120_000)).isTrue();
                assertThat(flood.failure()).isNull();
            }
            for (double share : new double[] {0.25, 0.5, 0.75, 1.0}) {
                int target = (int) (INPUTS * share);
                await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
                        .failFast("the inference worker exited; see " + inference.logFile(), () -> !inference.isAlive())
                        .until(() -> answers.count() >= target);
                maxLag = Math.max(maxLag, lag(admin, group, topics.classifyRequests.name()));
                heap.add(inference.heapAfterGc());
            }
            stops.add("inference " + Scenarios.stopCleanly(inference));
        }
        Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
        List<String> expiredEarly = new ArrayList<>();
        List<String> expiredWithoutDeadline = new ArrayList<>();
        int expired = 0;
        for (Map.Entry<String, ConsumerRecord<String, ClassifyResult>> e : out.answers().entrySet()) {
            ClassifyResult result = e.getValue().value();
            if ("expired".equals(result.error())) {
                expired++;
                Long deadline = deadlines.get(e.getKey());
                if (deadline == null) {
                    expiredWithoutDeadline.add(e.getKey());
                } else if (e.getValue().timestamp() <= deadline) {
                    expiredEarly.add(e.getKey());
                }
            }
        }
        String memory = "heap after GC " + heap.stream().map(Scenarios::mib).collect(Collectors.joining(" → "));
        ReliabilityTable.record(new ReliabilityTable.Row("50-slow-consumer", "Slow consumer: " + INPUTS
                + " requests at once, 1 decode thread", INPUTS + " requests, " + deadlines.size() + " with a " + DEADLINE_MS + " ms deadline",
                out.answered() + " answered " + out.byOutcome(), out.lost().size(), out.duplicated().size(), "n/a (no fault)",
                "max lag " + maxLag + "; " + memory));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(out.exactlyOnce()).as("lost %s, duplicated %s", out.lost(), out.duplicated()).isTrue();
        assertThat(maxLag).as("the flood outran the worker").isGreaterThan(1_000);
        assertThat(expired).as("late requests expired").isPositive();
        assertThat(expiredWithoutDeadline).as("requests without a deadline never expire").isEmpty();
        assertThat(expiredEarly).as("expired before their deadline").isEmpty();
        assertThat(out.goodFailed()).as("requests failed for another reason").isEmpty();
        assertThat(Invariants.heapStable(heap)).as(memory).isTrue();
    }

    /** Records of {@code topic} the group has not committed yet. */
    private static long lag(Admin admin, String group, String topic) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream().filter(tp -> tp.topic().equals(topic))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(30, TimeUnit.SECONDS);
        return ends.entrySet().stream().mapToLong(e -> e.getValue().offset() - committed.get(e.getKey()).offset()).sum();
    }
}
