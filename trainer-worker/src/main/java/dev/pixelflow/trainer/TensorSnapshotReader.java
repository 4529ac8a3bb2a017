package dev.pixelflow.trainer;

import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.Split;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the dataset of a job: {@code tensors} up to the given (or current) end offsets, {@code read_committed},
 * keeping the records whose fingerprint is the job's, the last record per key (compaction may not have run yet).
 */
final class TensorSnapshotReader {
    private static final Logger LOG = LoggerFactory.getLogger(TensorSnapshotReader.class);

    private final KafkaClients clients;
    private final String topic;
    private final long memoryBudget;

    TensorSnapshotReader(KafkaClients clients, String topic, long memoryBudget) {
        this.clients = clients;
        this.topic = topic;
        this.memoryBudget = memoryBudget;
    }

    /** The current end offsets of tensors: a job's dataset is fixed here, so later ingests do not change it. */
    Map<Integer, Long> currentEnd() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = partitions(c);
            Map<Integer, Long> out = new TreeMap<>();
            c.endOffsets(parts, Duration.ofSeconds(30)).forEach((tp, off) -> out.put(tp.partition(), off));
            return out;
        }
    }

    Dataset read(Map<Integer, Long> snapshot, PreprocessFingerprint fingerprint, List<String> requestedClasses,
                 BooleanSupplier cancelled) {
        Map<String, TensorRecord> byKey = new LinkedHashMap<>();
        Map<String, Integer> otherSizes = new TreeMap<>();
        TensorRecordSerde serde = new TensorRecordSerde();
        long bytes = 0;
        int undecodable = 0;
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = partitions(c).stream().filter(tp -> snapshot.getOrDefault(tp.partition(), 0L) > 0)
                    .collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            while (!parts.isEmpty()) {
                if (cancelled.getAsBoolean()) {
                    throw new JobCancelledException();
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= snapshot.get(r.partition()) || r.value() == null) {
                        continue;
                    }
                    TensorRecord t;
                    try {
                        t = serde.deserialize(topic, r.value());
                    } catch (SerializationException e) {
                        undecodable++;
                        continue;
                    }
                    if (!t.fingerprint().equals(fingerprint)) {
                        otherSizes.merge(t.fingerprint().id(), 1, Integer::sum);
                        continue;
                    }
                    if (t.labelName() == null) {
                        continue;
                    }
                    TensorRecord old = byKey.put(r.key(), t);
                    if (old == null) {
                        bytes += t.pixels().length;
                        if (bytes > memoryBudget) {
                            throw new JobFailedException("the dataset needs more than the memory budget of "
                                    + memoryBudget / (1024 * 1024) + " MB; raise PIXELFLOW_MEMORY_BUDGET_MB");
                        }
                    }
                }
                parts.removeIf(tp -> c.position(tp, Duration.ofSeconds(30)) >= snapshot.get(tp.partition()));
                if (!parts.isEmpty()) {
                    c.pause(c.assignment().stream().filter(tp -> !parts.contains(tp)).collect(Collectors.toList()));
                }
            }
        }
        if (undecodable > 0) {
            LOG.warn("skipped {} tensor records that could not be decoded", undecodable);
        }
        if (byKey.isEmpty()) {
            String have = otherSizes.isEmpty() ? "the tensors topic has no labelled records at all"
                    : "it has " + otherSizes.entrySet().stream().map(e -> e.getValue() + " at " + e.getKey())
                    .collect(Collectors.joining(", "));
            throw new JobFailedException("no labelled tensors at " + fingerprint.shape() + " (" + fingerprint.id() + "); "
                    + have + ". Ingest at this size with: bin/pixelflow ingest PATH --size " + fingerprint.shape());
        }
        List<String> classes = requestedClasses != null ? requestedClasses : classesOf(byKey.values());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        if (classes.size() < 2) {
            throw new JobFailedException("the data has only one class (" + classes + "); a classifier needs two or more");
        }
        List<byte[]> trainX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<byte[]> valX = new ArrayList<>();
        List<Integer> valY = new ArrayList<>();
        int unknown = 0;
        for (TensorRecord t : byKey.values()) {
            Integer y = index.get(t.labelName());
            if (y == null) {
                unknown++;
                continue;
            }
            if (t.split() == Split.VALIDATION) {
                valX.add(t.pixels());
                valY.add(y);
            } else {
                trainX.add(t.pixels());
                trainY.add(y);
            }
        }
        if (unknown > 0) {
            LOG.warn("{} records have labels outside the requested classes {} and were left out", unknown, classes);
        }
        if (trainX.isEmpty()) {
            throw new JobFailedException("no training-split records at " + fingerprint.shape());
        }
        LOG.info("dataset {}: {} train + {} validation images, classes {}", fingerprint.id(), trainX.size(), valX.size(), classes);
        return new Dataset(fingerprint.shape(), List.copyOf(classes), trainX.toArray(new byte[0][]),
                trainY.stream().mapToInt(Integer::intValue).toArray(), valX.toArray(new byte[0][]),
                valY.stream().mapToInt(Integer::intValue).toArray(), Map.copyOf(snapshot));
    }

    /** Label indices when every record carries one consistently (e.g. IDX sources), else names sorted, as Keras does. */
    static List<String> classesOf(Iterable<TensorRecord> records) {
        Map<Integer, String> byIndex = new TreeMap<>();
        TreeSet<String> names = new TreeSet<>();
        boolean indexed = true;
        for (TensorRecord t : records) {
            names.add(t.labelName());
            if (t.labelIndex() < 0) {
                indexed = false;
                continue;
            }
            String prev = byIndex.putIfAbsent(t.labelIndex(), t.labelName());
            if (prev != null && !prev.equals(t.labelName())) {
                indexed = false;
            }
        }
        if (indexed && byIndex.size() == names.size() && byIndex.keySet().equals(
                java.util.stream.IntStream.range(0, names.size()).boxed().collect(Collectors.toSet()))) {
            return List.copyOf(byIndex.values());
        }
        return List.copyOf(names);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return clients.consumer(null, true, new StringDeserializer(), new ByteArrayDeserializer(),
                Map.of("max.partition.fetch.bytes", 8 * 1024 * 1024, "fetch.max.bytes", 64 * 1024 * 1024));
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        return c.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(p -> new TopicPartition(topic, p.partition()))
                .collect(Collectors.toList());
    }
}
