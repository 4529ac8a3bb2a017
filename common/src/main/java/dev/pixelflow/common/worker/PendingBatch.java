package dev.pixelflow.common.worker;

import org.apache.kafka.clients.producer.Producer;

/** One poll's transform in progress: what {@link BatchProcessor#start} returns. */
public interface PendingBatch<KO, VO> {
    /** True when {@link #sendTo} would not wait; the loop commits finished batches without blocking its polls. */
    boolean isDone();

    /**
     * Waits for the transform and sends the outputs through the producer, in input order, inside the transaction
     * the loop has opened for this poll. Called on the loop thread, at most once.
     */
    void sendTo(Producer<KO, VO> producer) throws Exception;

    /** The loop gives this batch up (an earlier batch failed, or the worker stops): its outputs are never sent. */
    void discard();
}
