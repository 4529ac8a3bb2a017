package dev.pixelflow.common.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consume-transform-produce with exactly-once semantics, after Kafka's ExactlyOnceMessageProcessor: each
 * poll is one transaction holding the outputs and the consumed offsets ({@code sendOffsetsToTransaction}),
 * so a crash anywhere leaves either all of a batch or none of it. On an abortable error the transaction is
 * aborted and the consumer rewound to the committed offsets, so the batch is processed again, once.
 */
public final class TransactionalLoop<K, V, KO, VO> implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalLoop.class);

    private final String name;
    private final Consumer<K, V> consumer;
    private final Producer<KO, VO> producer;
    private final Collection<String> topics;
    private final BatchProcessor<K, V, KO, VO> processor;
    private final Duration pollTimeout;
    private final int retryAttempts;
    private final Duration retryBackoff;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Throwable failure;

    public TransactionalLoop(String name, Consumer<K, V> consumer, Producer<KO, VO> producer, Collection<String> topics,
                             BatchProcessor<K, V, KO, VO> processor, Duration pollTimeout, int retryAttempts,
                             Duration retryBackoff) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.topics = List.copyOf(topics);
        this.processor = processor;
        this.pollTimeout = pollTimeout;
        this.retryAttempts = retryAttempts;
        this.retryBackoff = retryBackoff;
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            consumer.subscribe(topics, new RewindOnAssign());
            int attempt = 0;
            while (!closed.get()) {
                ConsumerRecords<K, V> records = consumer.poll(pollTimeout);
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    producer.beginTransaction();
                    processor.process(records, producer);
                    producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
                    producer.commitTransaction();
                    attempt = 0;
                } catch (WakeupException e) {
                    throw e;
                } catch (Exception e) {
                    ErrorKind kind = ErrorKind.of(e);
                    if (kind == ErrorKind.FATAL) {
                        throw e;
                    }
                    attempt++;
                    if (attempt > retryAttempts) {
                        throw new IllegalStateException(name + ": batch still failing after " + retryAttempts + " retries", e);
                    }
                    LOG.warn("{}: batch failed ({}), aborting and retrying ({}/{})", name, e.toString(), attempt, retryAttempts);
                    abortQuietly();
                    rewindToCommitted(consumer.assignment());
                    backoff(attempt);
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                fail(e);
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            closeQuietly();
            done.countDown();
        }
    }

    private void fail(Throwable t) {
        failure = t;
        failed.set(true);
        LOG.error("{}: stopping after a fatal error: {}", name, t.toString(), t);
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            LOG.debug("{}: abort failed: {}", name, e.toString());
        }
    }

    private void backoff(int attempt) throws InterruptedException {
        long ms = Math.min(retryBackoff.toMillis() << Math.min(attempt - 1, 6), 10_000);
        // Waiting on the latch rather than sleeping lets stop() cut the backoff short.
        if (!closed.get()) {
            stopRequested.await(ms, TimeUnit.MILLISECONDS);
        }
    }

    private void rewindToCommitted(Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata om = committed.get(tp);
            if (om != null) {
                consumer.seek(tp, om.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    private static <K, V> Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<K, V> records) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<K, V>> list = records.records(tp);
            out.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return out;
    }

    private void closeQuietly() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            LOG.debug("{}: consumer close: {}", name, e.toString());
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debug("{}: producer close: {}", name, e.toString());
        }
    }

    /** Asks the loop to stop after its current batch; safe from any thread. */
    public void stop() {
        closed.set(true);
        stopRequested.countDown();
        consumer.wakeup();
    }

    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean failed() {
        return failed.get();
    }

    public boolean finished() {
        return done.getCount() == 0;
    }

    public Throwable failure() {
        return failure;
    }

    /**
     * After a rebalance a newly assigned partition must start at its committed offset; positions left by an
     * aborted batch on a partition we owned before would otherwise skip records.
     */
    private final class RewindOnAssign implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Offsets are committed inside each transaction; nothing is pending between batches.
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("{}: assigned {}", name, partitions);
        }
    }
}
