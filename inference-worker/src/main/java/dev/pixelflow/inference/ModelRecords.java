package dev.pixelflow.inference;

import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelAssembler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * What the {@code models} topic means to the worker: chunks and manifests, assembled into complete versions for the
 * {@link ModelStore}, which loads them; the store is ready once the follower has caught up and loaded them.
 */
final class ModelRecords implements CompactedTopicFollower.Handler {
    private final ModelStore store;
    private final ModelAssembler assembler;
    private long currentOffset;

    ModelRecords(ModelStore store) {
        this.store = store;
        this.assembler = new ModelAssembler(new ModelAssembler.Listener() {
            @Override
            public void onVersion(ModelVersion version, byte[] artifact) {
                store.onVersion(version, artifact, currentOffset);
            }

            @Override
            public void onBroken(String ref, String reason) {
                store.onBroken(ref, reason);
            }
        }, true);
    }

    @Override
    public void onRecords(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            currentOffset = r.offset();
            assembler.accept(r);
        }
    }

    @Override
    public void onCaughtUp() {
        store.onCaughtUp();
    }
}
