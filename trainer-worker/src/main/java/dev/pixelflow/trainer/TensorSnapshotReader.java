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
 * Pixels are held up to the memory budget; a larger dataset is streamed ({@link Examples.Streamed}).
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

    /** One matching record of the snapshot; its pixels are dropped when the dataset turns out to be streamed. */
    private record Entry(int partition, long offset, Split split, String labelName, int labelIndex, long hashPrefix,
                         byte[] pixels) {
        Entry withoutPixels() {
            return pixels == null ? this : new Entry(partition, offset, split, labelName, labelIndex, hashPrefix, null);
        }
    }

    /**
     * Reads the snapshot once. While the matching records fit the memory budget their pixels are kept and the
     * dataset is held in memory; past the budget the read goes on keeping only offsets and labels (and validation
     * pixels while they fit their share), and the training split is streamed from the snapshot every epoch.
     */
    Dataset read(Map<Integer, Long> snapshot, PreprocessFingerprint fingerprint, List<String> requestedClasses,
                 BooleanSupplier cancelled) {
        Map<String, Entry> byKey = new LinkedHashMap<>();
        Map<String, Integer> otherSizes = new TreeMap<>();
        Map<String, String> labelNames = new HashMap<>();
        TensorRecordSerde serde = new TensorRecordSerde();
        int imageBytes = fingerprint.shape().length();
        StreamBudget streamBudget = StreamBudget.of(memoryBudget, imageBytes, TrainingJob.TRAIN_EVAL_IMAGES);
        long bytes = 0;
        boolean streaming = false;
        boolean valHeld = true;
        long valBytes = 0;
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
                    // One String per class, not per record: a streamed dataset keeps an entry per record.
                    String label = labelNames.computeIfAbsent(t.labelName(), n -> n);
                    boolean keepPixels = !streaming || (valHeld && t.split() == Split.VALIDATION);
                    Entry e = new Entry(r.partition(), r.offset(), t.split(), label, t.labelIndex(),
                            SnapshotStream.hashPrefix(t.contentHash()), keepPixels ? t.pixels() : null);
                    Entry old = byKey.put(r.key(), e);
                    if (!streaming) {
                        if (old == null) {
                            bytes += imageBytes;
                            if (bytes > memoryBudget) {
                                streaming = true;
                                byKey.replaceAll((k, v) -> v.split() == Split.VALIDATION ? v : v.withoutPixels());
                                valBytes = byKey.values().stream().filter(v -> v.pixels() != null).count() * imageBytes;
                                LOG.info("dataset {}: more than the memory budget of {} bytes after {} images; streaming the "
                                        + "training split from tensors each epoch ({} shuffle slots, chunks of {})",
                                        fingerprint.id(), memoryBudget, byKey.size(), streamBudget.shuffleImages(),
                                        streamBudget.chunkLength());
                            }
                        }
                    } else if (keepPixels && (old == null || old.pixels() == null)) {
                        valBytes += imageBytes;
                    }
                    if (streaming && valHeld && valBytes > streamBudget.validationBytes()) {
                        valHeld = false;
                        byKey.replaceAll((k, v) -> v.withoutPixels());
                        LOG.info("dataset {}: the validation split does not fit its {} bytes of the budget either; "
                                + "streaming it for evaluation", fingerprint.id(), streamBudget.validationBytes());
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
        List<String> classes = requestedClasses != null ? requestedClasses
                : classesOf(byKey.values().stream().map(e -> new Label(e.labelName(), e.labelIndex())).toList());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        if (classes.size() < 2) {
            throw new JobFailedException("the data has only one class (" + classes + "); a classifier needs two or more");
        }
        SnapshotStream stream = new SnapshotStream(clients, topic, fingerprint, index);
        Splitter split = new Splitter(streaming, streaming && !valHeld, index, stream);
        int unknown = 0;
        for (Entry e : byKey.values()) {
            if (!split.add(e)) {
                unknown++;
            }
        }
        if (unknown > 0) {
            LOG.warn("{} records have labels outside the requested classes {} and were left out", unknown, classes);
        }
        Examples train = split.train();
        Examples val = split.val();
        if (train.size() == 0) {
            throw new JobFailedException("no training-split records at " + fingerprint.shape());
        }
        LOG.info("dataset {}: {} train + {} validation images, classes {}{}", fingerprint.id(), train.size(), val.size(), classes,
                streaming ? "; training split streamed" + (val instanceof Examples.Streamed ? ", validation streamed" : "")
                        : "");
        return new Dataset(fingerprint.shape(), List.copyOf(classes), train, val, Map.copyOf(snapshot), streamBudget);
    }

    /** Sorts the snapshot's entries into the two splits, each in memory or as a selection to stream. */
    private static final class Splitter {
        private final boolean streamTrain;
        private final boolean streamVal;
        private final Map<String, Integer> index;
        private final SnapshotStream stream;
        private final List<byte[]> trainX = new ArrayList<>();
        private final List<Integer> trainY = new ArrayList<>();
        private final List<byte[]> valX = new ArrayList<>();
        private final List<Integer> valY = new ArrayList<>();
        private final Selection.Builder trainSel = new Selection.Builder();
        private final Selection.Builder valSel = new Selection.Builder();

        Splitter(boolean streamTrain, boolean streamVal, Map<String, Integer> index, SnapshotStream stream) {
            this.streamTrain = streamTrain;
            this.streamVal = streamVal;
            this.index = index;
            this.stream = stream;
        }

        /** False when the entry's label is not one of the classes. */
        boolean add(Entry e) {
            Integer y = index.get(e.labelName());
            if (y == null) {
                return false;
            }
            if (e.split() == Split.VALIDATION) {
                if (streamVal) {
                    valSel.add(e.partition(), e.offset(), e.hashPrefix());
                } else {
                    valX.add(e.pixels());
                    valY.add(y);
                }
            } else if (streamTrain) {
                trainSel.add(e.partition(), e.offset(), e.hashPrefix());
            } else {
                trainX.add(e.pixels());
                trainY.add(y);
            }
            return true;
        }

        Examples train() {
            return streamTrain ? new Examples.Streamed(stream, trainSel.build()) : inMemory(trainX, trainY);
        }

        Examples val() {
            return streamVal ? new Examples.Streamed(stream, valSel.build()) : inMemory(valX, valY);
        }

        private static Examples inMemory(List<byte[]> x, List<Integer> y) {
            return new Examples.InMemory(x.toArray(new byte[0][]), y.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** A record's label as the class list is derived from it. */
    record Label(String name, int index) {
    }

    /** Label indices when every record carries one consistently (e.g. IDX sources), else names sorted, as Keras does. */
    static List<String> classesOf(Iterable<Label> records) {
        Map<Integer, String> byIndex = new TreeMap<>();
        TreeSet<String> names = new TreeSet<>();
        boolean indexed = true;
        for (Label t : records) {
            names.add(t.name());
            if (t.index() < 0) {
                indexed = false;
                continue;
            }
            String prev = byIndex.putIfAbsent(t.index(), t.name());
            if (prev != null && !prev.equals(t.name())) {
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
