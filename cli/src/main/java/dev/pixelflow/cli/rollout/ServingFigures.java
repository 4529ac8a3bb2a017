package dev.pixelflow.cli.rollout;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ShadowAnswer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The live figures of one model's versions, from the most recent answers on the default reply topic and the
 * shadow topic (up to {@code perPartition} records of each partition): requests, share, mean confidence, p50/p99
 * latency per version and route, and each shadow version's agreement with production. Answers sent to a
 * client's own reply topic are not seen here; {@code /metrics} of the workers counts every answer.
 */
public final class ServingFigures {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** Answers of one version by one route. */
    public static final class Line {
        private int requests;
        private double confidence;
        private final List<Long> latencies = new ArrayList<>();

        public int requests() {
            return requests;
        }

        public double meanConfidence() {
            return requests == 0 ? Double.NaN : confidence / requests;
        }

        public long latencyPercentile(double p) {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }
    }

    /** A shadow version's answers beside production's. */
    public record Agreement(int answers, int agreed) {
        public double rate() {
            return answers == 0 ? Double.NaN : (double) agreed / answers;
        }
    }

    private final Map<String, Line> lines = new TreeMap<>();
    private final Map<Integer, int[]> agreement = new TreeMap<>();
    private int total;

    /** Reads the tails of the results and shadow topics for {@code model}. */
    public static ServingFigures read(KafkaClients clients, String resultsTopic, String shadowTopic, String model,
                                      int perPartition) {
        ServingFigures f = new ServingFigures();
        tail(clients, resultsTopic, perPartition, r -> {
            ClassifyResult a = ClassifyResult.SERDE.deserialize(r.topic(), r.value());
            if (a.ok() && model.equals(a.model()) && a.version() != null) {
                f.answer(a.version(), a.route() == null ? "-" : a.route(), a.confidence(),
                        a.latencyMs() == null ? 0 : a.latencyMs());
            }
        });
        tail(clients, shadowTopic, perPartition, r -> {
            ShadowAnswer s = ShadowAnswer.SERDE.deserialize(r.topic(), r.value());
            if (model.equals(s.model())) {
                f.shadow(s.version(), s.agrees(), s.confidence(), s.latencyMs());
            }
        });
        return f;
    }

    void answer(int version, String route, double confidence, long latencyMs) {
        Line l = lines.computeIfAbsent(key(version, route), k -> new Line());
        l.requests++;
        l.confidence += confidence;
        l.latencies.add(latencyMs);
        total++;
    }

    void shadow(int version, boolean agrees, double confidence, long latencyMs) {
        int[] a = agreement.computeIfAbsent(version, v -> new int[2]);
        a[0]++;
        if (agrees) {
            a[1]++;
        }
        Line l = lines.computeIfAbsent(key(version, "shadow"), k -> new Line());
        l.requests++;
        l.confidence += confidence;
        l.latencies.add(latencyMs);
    }

    private static String key(int version, String route) {
        return String.format("%09d/%s", version, route);
    }

    /** Lines by {@code version/route}, in version order. */
    public Map<String, Line> lines() {
        Map<String, Line> out = new java.util.LinkedHashMap<>();
        lines.forEach((k, v) -> out.put(Integer.parseInt(k.substring(0, 9)) + "/" + k.substring(10), v));
        return out;
    }

    /** Answers to clients (shadow answers excluded): the base of each line's share. */
    public int total() {
        return total;
    }

    public Agreement agreement(int shadowVersion) {
        int[] a = agreement.getOrDefault(shadowVersion, new int[2]);
        return new Agreement(a[0], a[1]);
    }

    private static void tail(KafkaClients clients, String topic, int perPartition,
                             Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - perPartition));
            }
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition())) && r.value() != null) {
                        try {
                            each.accept(r);
                        } catch (RuntimeException e) {
                            // Another writer's record on a shared topic: not ours to count.
                        }
                    }
                }
            }
        }
    }
}
