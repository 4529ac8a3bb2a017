package dev.pixelflow.common.worker;

import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * The transform of a consume-transform-produce loop, in two steps so that the loop can overlap polls: {@link #start}
 * hands a poll to the processor, which may go on working on other threads (decoding, inference) while the loop
 * commits the previous poll and reads the next one; the returned {@link PendingBatch} later sends the outputs inside
 * the poll's transaction. Bad records are the processor's to handle (dead-letter them); an exception thrown by either
 * step aborts the batch (and every batch started after it), which is then re-read and retried.
 */
@FunctionalInterface
public interface BatchProcessor<K, V, KO, VO> {
    /** Called on the loop thread, in poll order; must not send anything (no transaction is open yet). */
    PendingBatch<KO, VO> start(ConsumerRecords<K, V> records) throws Exception;
}
