package dev.pixelflow.common.model;

import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.topic.Topics;
import java.util.Arrays;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a model version to {@code models} as chunks then the manifest. The caller owns the transaction: all of
 * it commits together, so a {@code read_committed} reader never sees half a version, and chunks stay under the
 * broker's default 1 MB message limit.
 */
public final class ModelPublisher {
    public static final String CHUNK_INDEX = "chunk-index";
    public static final String CHUNK_COUNT = "chunk-count";

    private ModelPublisher() {
    }

    public static int chunkCount(long artifactSize) {
        return (int) Math.max(1, (artifactSize + Topics.MODEL_CHUNK_BYTES - 1) / Topics.MODEL_CHUNK_BYTES);
    }

    /** Sends every chunk and then the manifest; call between beginTransaction and commitTransaction. */
    public static void send(Producer<String, byte[]> producer, String topic, ModelVersion manifest, byte[] artifact) {
        int count = chunkCount(artifact.length);
        if (count != manifest.chunkCount() || artifact.length != manifest.artifactSize()) {
            throw new IllegalArgumentException("manifest says " + manifest.chunkCount() + " chunks / " + manifest.artifactSize()
                    + " bytes, artifact has " + count + " / " + artifact.length);
        }
        for (int i = 0; i < count; i++) {
            int from = i * Topics.MODEL_CHUNK_BYTES;
            byte[] chunk = Arrays.copyOfRange(artifact, from, Math.min(artifact.length, from + Topics.MODEL_CHUNK_BYTES));
            RecordHeaders headers = new RecordHeaders();
            headers.add(MessageHeaders.MODEL, MessageHeaders.utf8(manifest.ref()));
            headers.add(CHUNK_INDEX, MessageHeaders.utf8(i));
            headers.add(CHUNK_COUNT, MessageHeaders.utf8(count));
            producer.send(new ProducerRecord<>(topic, null, ModelVersion.chunkKey(manifest.name(), manifest.version(), i), chunk, headers));
        }
        producer.send(new ProducerRecord<>(topic, ModelVersion.manifestKey(manifest.name(), manifest.version()),
                ModelVersion.SERDE.serialize(topic, manifest)));
    }
}
