package dev.pixelflow.cli;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.MessageHeaders;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the images one {@code ingest} run wrote to {@code images.raw} until each has become a tensor or a dead
 * letter. The ingest worker commits its input offsets in the transaction that writes its outputs, so once its group
 * has committed past an image, that image's tensor or dead letter is there. The dead letters of this run are those on
 * {@code images.dlq} after its end offsets taken before the first send, whose {@code source.*} headers point at a
 * record this run wrote; every other image of the run became a tensor.
 */
public final class IngestLanding {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);

    private final KafkaClients clients;
    private final String rawTopic;
    private final String dlqTopic;
    private final String group;
    private final Map<TopicPartition, Long> dlqStart;
    private final Map<Integer, List<Long>> written = new HashMap<>();

    /** What became of a run's images. */
    public record Outcome(long tensors, long deadLetters, Map<String, Long> reasons, List<String> examples) {
        /** {@code 3999 tensors, 1 dead letter (reason: corrupt)}. */
        public String summary() {
            String text = tensors + (tensors == 1 ? " tensor, " : " tensors, ") + deadLetters
                    + (deadLetters == 1 ? " dead letter" : " dead letters");
            if (reasons.isEmpty()) {
                return text;
            }
            if (reasons.size() == 1) {
                return text + " (reason: " + reasons.keySet().iterator().next() + ")";
            }
            return text + " (reasons: " + reasons.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", ")) + ")";
        }
    }

    private IngestLanding(KafkaClients clients, String rawTopic, String dlqTopic, String group,
                          Map<TopicPartition, Long> dlqStart) {
        this.clients = clients;
        this.rawTopic = rawTopic;
        this.dlqTopic = dlqTopic;
        this.group = group;
        this.dlqStart = dlqStart;
    }

    /** Notes where {@code images.dlq} ends; call before the first image is sent. */
    public static IngestLanding begin(KafkaClients clients, String rawTopic, String dlqTopic, String group) throws Exception {
        try (Admin admin = clients.admin()) {
            return new IngestLanding(clients, rawTopic, dlqTopic, group, endOffsets(admin, dlqTopic));
        }
    }

    /** Records that an image of this run is at {@code partition}/{@code offset} of images.raw. Thread-safe. */
    public synchronized void written(int partition, long offset) {
        written.computeIfAbsent(partition, p -> new ArrayList<>()).add(offset);
    }

    /**
     * Waits until the ingest worker's group has committed past every image written, printing progress; fails when
     * it has not moved for {@code stall}.
     */
    public Outcome await(Duration stall, PrintStream out) throws Exception {
        Map<Integer, long[]> mine = sortedOffsets();
        long total = mine.values().stream().mapToLong(a -> a.length).sum();
        out.printf("waiting for the ingest worker (group %s) to turn %d images into tensors or dead letters%n", group, total);
        Progress progress = new Progress(out, "landed", total);
        long done = 0;
        long lastMove = System.nanoTime();
        try (Admin admin = clients.admin()) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                long now = landed(mine, committed);
                if (now > done) {
                    progress.step(now - done);
                    done = now;
                    lastMove = System.nanoTime();
                }
                if (done >= total) {
                    progress.finish();
                    break;
                }
                if (System.nanoTime() - lastMove > stall.toNanos()) {
                    progress.finish();
                    throw new IllegalStateException("the ingest worker (group " + group + ") took none of the remaining "
                            + (total - done) + " images for " + Progress.formatSeconds(stall.toSeconds())
                            + "; is one running (bin/pixelflow worker ingest)? The images stay on " + rawTopic
                            + "; --no-wait returns without waiting");
                }
                Thread.sleep(POLL.toMillis()); // polling the group's committed offsets; there is no event to wait on
            }
        }
        return countDeadLetters(mine, total);
    }

    private long landed(Map<Integer, long[]> mine, Map<TopicPartition, OffsetAndMetadata> committed) {
        long n = 0;
        for (Map.Entry<Integer, long[]> e : mine.entrySet()) {
            OffsetAndMetadata c = committed.get(new TopicPartition(rawTopic, e.getKey()));
            if (c != null) {
                int at = Arrays.binarySearch(e.getValue(), c.offset());
                n += at >= 0 ? at : -at - 1; // offsets below the committed one
            }
        }
        return n;
    }

    private Outcome countDeadLetters(Map<Integer, long[]> mine, long total) throws Exception {
        Map<String, Long> reasons = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        long dead = 0;
        KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> parts = new ArrayList<>(dlqStart.keySet());
            consumer.assign(parts);
            dlqStart.forEach(consumer::seek);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, ADMIN_TIMEOUT);
            while (parts.stream().anyMatch(tp -> consumer.position(tp, ADMIN_TIMEOUT) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (ofThisRun(r, mine)) {
                        dead++;
                        String reason = MessageHeaders.text(r.headers(), MessageHeaders.ERROR_REASON);
                        reasons.merge(reason == null ? "unknown" : reason, 1L, Long::sum);
                        if (examples.size() < 10) {
                            examples.add(MessageHeaders.text(r.headers(), MessageHeaders.FILENAME) + ": " + reason + ": "
                                    + MessageHeaders.text(r.headers(), MessageHeaders.ERROR_MESSAGE));
                        }
                    }
                }
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
        return new Outcome(total - dead, dead, reasons, examples);
    }

    private boolean ofThisRun(ConsumerRecord<String, byte[]> r, Map<Integer, long[]> mine) {
        if (!rawTopic.equals(MessageHeaders.text(r.headers(), MessageHeaders.SOURCE_TOPIC))) {
            return false;
        }
        try {
            long[] offsets = mine.get(Integer.parseInt(MessageHeaders.text(r.headers(), MessageHeaders.SOURCE_PARTITION)));
            return offsets != null
                    && Arrays.binarySearch(offsets, Long.parseLong(MessageHeaders.text(r.headers(), MessageHeaders.SOURCE_OFFSET))) >= 0;
        } catch (NumberFormatException | NullPointerException e) {
            return false; // not a dead letter of the ingest worker
        }
    }

    private synchronized Map<Integer, long[]> sortedOffsets() {
        Map<Integer, long[]> out = new HashMap<>();
        written.forEach((p, list) -> {
            long[] a = list.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            out.put(p, a);
        });
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        ends.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
