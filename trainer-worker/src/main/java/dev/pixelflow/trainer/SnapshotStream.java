package dev.pixelflow.trainer;

import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the records of a {@link Selection} back from {@code tensors} ({@code read_committed}, so exactly the records
 * the snapshot read saw), chunk by chunk in the order asked for: a streamed dataset's pass over its data. Holds
 * nothing between calls; each pass has its own consumer on the calling thread.
 */
final class SnapshotStream {
    /** Receives the records of a pass one by one, in read order. */
    interface Sink {
        void accept(int partition, long offset, int label, byte[] pixels, long hashPrefix) throws InterruptedException;
    }

    /** What one pass delivered: a pass is complete when it matches its selection's size and digest. */
    record Pass(int delivered, long digest, int missing) {
        boolean matches(Selection s) {
            return delivered == s.size() && digest == s.digest();
        }
    }

    private final KafkaClients clients;
    private final String topic;
    private final PreprocessFingerprint fingerprint;
    private final Map<String, Integer> classIndex;

    SnapshotStream(KafkaClients clients, String topic, PreprocessFingerprint fingerprint, Map<String, Integer> classIndex) {
        this.clients = clients;
        this.topic = topic;
        this.fingerprint = fingerprint;
        this.classIndex = Map.copyOf(classIndex);
    }

    PreprocessFingerprint fingerprint() {
        return fingerprint;
    }

    /**
     * Delivers every selected record of {@code chunks} once, chunks in the given order, records of a chunk in offset
     * order. Stops early (and returns what it delivered so far) once {@code stop} says so.
     */
    Pass read(List<Selection.Chunk> chunks, BooleanSupplier stop, Sink sink) throws InterruptedException {
        TensorRecordSerde serde = new TensorRecordSerde();
        int delivered = 0;
        int missing = 0;
        long digest = 0;
        int longest = chunks.stream().mapToInt(Selection.Chunk::size).max().orElse(1);
        try (KafkaConsumer<String, byte[]> c = consumer(longest)) {
            TopicPartition assigned = null;
            for (Selection.Chunk chunk : chunks) {
                TopicPartition tp = new TopicPartition(topic, chunk.partition());
                if (!tp.equals(assigned)) {
                    c.assign(List.of(tp));
                    assigned = tp;
                }
                c.seek(tp, chunk.first());
                int next = chunk.from();
                while (next < chunk.to()) {
                    if (stop.getAsBoolean()) {
                        return new Pass(delivered, digest, missing);
                    }
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        // Offsets of the selection that are gone (compacted away after a later copy of the same key
                        // was ingested) are skipped over; the pass then reports them missing.
                        while (next < chunk.to() && chunk.offsets()[next] < r.offset()) {
                            next++;
                            missing++;
                        }
                        if (next == chunk.to()) {
                            break;
                        }
                        if (chunk.offsets()[next] != r.offset()) {
                            continue;
                        }
                        next++;
                        TensorRecord t = decode(r, serde);
                        Integer label = t == null ? null : classIndex.get(t.labelName());
                        if (label == null) {
                            missing++;
                            continue;
                        }
                        long prefix = hashPrefix(t.contentHash());
                        sink.accept(r.partition(), r.offset(), label, t.pixels(), prefix);
                        delivered++;
                        digest += prefix;
                    }
                    if (next < chunk.to() && c.position(tp, Duration.ofSeconds(30)) > chunk.last()) {
                        missing += chunk.to() - next;
                        next = chunk.to();
                    }
                }
            }
        }
        return new Pass(delivered, digest, missing);
    }

    private TensorRecord decode(ConsumerRecord<String, byte[]> r, TensorRecordSerde serde) {
        if (r.value() == null) {
            return null;
        }
        try {
            TensorRecord t = serde.deserialize(topic, r.value());
            return t.fingerprint().equals(fingerprint) ? t : null;
        } catch (SerializationException e) {
            return null;
        }
    }

    /** The first 8 bytes of a content hash as a long: uniform, so sums of them tell sets of records apart. */
    static long hashPrefix(byte[] contentHash) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (contentHash[i] & 0xff);
        }
        return v;
    }

    /**
     * Each chunk starts with a seek, which drops whatever was fetched beyond the chunk before: fetches are sized to
     * about two chunks (a tensor record is its pixels plus a small header; LZ4 only makes it smaller).
     */
    private KafkaConsumer<String, byte[]> consumer(int longestChunk) {
        long perRecord = fingerprint.shape().length() + 512L;
        int fetch = (int) Math.max(256 * 1024, Math.min(8 * 1024 * 1024, 2L * longestChunk * perRecord));
        return clients.consumer(null, true, new StringDeserializer(), new ByteArrayDeserializer(),
                // The consumer fetches ahead after every poll, and a seek cannot cancel that fetch: at a partition's
                // end the broker would hold it for fetch.max.wait.ms (500 ms by default) before the next chunk's
                // fetch may go out, on every chunk.
                Map.of("max.partition.fetch.bytes", fetch, "fetch.max.bytes", fetch, "fetch.max.wait.ms", 10));
    }
}
