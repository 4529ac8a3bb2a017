package dev.pixelflow.common.worker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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
 * aborted, every batch started after it is given up and the consumer rewound to the committed offsets, so those
 * batches are processed again, once.
 *
 * <p>Polls are pipelined: up to {@code maxInFlight} polls are being transformed at once (on the processor's
 * threads) while this thread commits the oldest finished one and reads the next, so decoding or inference never
 * waits for a commit. Transactions still commit one at a time in poll order, so each partition's offsets and
 * outputs advance in order; no transaction is open while the consumer polls. When partitions are revoked the
 * batches in flight are committed first, inside the rebalance callback, while this member still owns them.
 *
 * <p>The producer's lifecycle (abort on failure, a fenced producer replaced a bounded number of times, a twin
 * instance fatal) is {@link TransactionalProducer}'s; after a tolerated fence the batches since the last commit are
 * read again.
 */
public final class TransactionalLoop<K, V, KO, VO> implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalLoop.class);
    /** Poll timeout while batches are in flight: short, so a finished batch is committed soon after it finishes. */
    private static final Duration BUSY_POLL = Duration.ofMillis(2);

    /** A poll and its transform in progress. */
    private record InFlight<K, V, KO, VO>(ConsumerRecords<K, V> records, PendingBatch<KO, VO> batch) {
    }

    private final String name;
    private final Consumer<K, V> consumer;
    private final TransactionalProducer<KO, VO> producer;
    private final Collection<String> topics;
    private final BatchProcessor<K, V, KO, VO> processor;
    private final Duration pollTimeout;
    private final int maxInFlight;
    private final int retryAttempts;
    private final Duration retryBackoff;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Throwable failure;
    // Loop thread only (the rebalance callbacks run inside poll on this thread).
    private final ArrayDeque<InFlight<K, V, KO, VO>> inFlight = new ArrayDeque<>();
    private boolean rewindNeeded;
    private int attempt;
    /**
     * Per partition, the offset after the last transaction this loop committed. A position is never set behind it:
     * Kafka 4.4.0 was seen to lose the offsets of a committed transaction when the broker died after writing the
     * transaction's commit marker to the output partition but before writing it to __consumer_offsets (the
     * coordinator completed the commit after the restart, yet the group's offset stayed one transaction behind, and
     * the next abort marker for the producer discarded the pending offsets); reading from that offset answered the
     * transaction's requests a second time. A transaction whose commit returned is decided, so its records are done.
     */
    private final Map<TopicPartition, Long> committedHere = new HashMap<>();

    /** A loop with two polls in flight: one being transformed while the previous one commits. */
    public TransactionalLoop(String name, Consumer<K, V> consumer, Supplier<? extends Producer<KO, VO>> producers,
                             Collection<String> topics, BatchProcessor<K, V, KO, VO> processor, Duration pollTimeout,
                             int retryAttempts, Duration retryBackoff) {
        this(name, consumer, producers, topics, processor, pollTimeout, 2, retryAttempts, retryBackoff);
    }

    /**
     * @param producers makes the transactional producer, always with the same transactional id: once at the start
     *                  and again after each tolerated fence
     */
    public TransactionalLoop(String name, Consumer<K, V> consumer, Supplier<? extends Producer<KO, VO>> producers,
                             Collection<String> topics, BatchProcessor<K, V, KO, VO> processor, Duration pollTimeout,
                             int maxInFlight, int retryAttempts, Duration retryBackoff) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException(name + ": maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.name = name;
        this.consumer = consumer;
        this.producer = new TransactionalProducer<>(name, producers);
        this.topics = List.copyOf(topics);
        this.processor = processor;
        this.pollTimeout = pollTimeout;
        this.maxInFlight = maxInFlight;
        this.retryAttempts = retryAttempts;
        this.retryBackoff = retryBackoff;
    }

    @Override
    public void run() {
        try {
            producer.start();
            consumer.subscribe(topics, new CommitOnRevoke());
            while (!closed.get()) {
                try {
                    step();
                } catch (WakeupException e) {
                    if (closed.get()) {
                        break;
                    }
                    throw e;
                } catch (TransactionalProducer.TwinInstanceException e) {
                    throw e;
                } catch (Exception e) {
                    if (TransactionalProducer.fenced(e)) {
                        // The producer has been replaced: the batches since the last commit are read again.
                        discardAll();
                        rewindToCommitted(consumer.assignment());
                        continue;
                    }
                    if (ErrorKind.of(e) == ErrorKind.FATAL) {
                        throw e;
                    }
                    attempt++;
                    if (attempt > retryAttempts) {
                        throw new IllegalStateException(name + ": batch still failing after " + retryAttempts + " retries", e);
                    }
                    // A failed commit has been aborted already; nothing else was inside a transaction.
                    LOG.warn("{}: batch failed ({}), retrying ({}/{})", name, e.toString(), attempt, retryAttempts);
                    discardAll();
                    rewindToCommitted(consumer.assignment());
                    backoff(attempt);
                }
            }
            finishOnStop();
        } catch (WakeupException e) {
            if (!closed.get()) {
                fail(e);
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            discardAll();
            closeQuietly();
            done.countDown();
        }
    }

    /** One poll (unless the pipeline is full), then commit whatever has finished, oldest first. */
    private void step() throws Exception {
        boolean full = inFlight.size() >= maxInFlight;
        if (!full) {
            ConsumerRecords<K, V> records = consumer.poll(inFlight.isEmpty() ? pollTimeout : BUSY_POLL);
            if (rewindNeeded) {
                // A rebalance gave up uncommitted batches: what this poll returned lies past them on kept partitions.
                rewindNeeded = false;
                rewindToCommitted(consumer.assignment());
                return;
            }
            if (!records.isEmpty()) {
                inFlight.add(new InFlight<>(records, processor.start(records)));
                full = inFlight.size() >= maxInFlight;
            }
        }
        // When full, wait for the oldest batch: that is when the transform threads have their next poll queued.
        while (!inFlight.isEmpty() && (full || inFlight.peek().batch().isDone())) {
            commit(inFlight.poll());
            full = false;
        }
    }

    private void commit(InFlight<K, V, KO, VO> next) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = nextOffsets(next.records());
        try {
            producer.run(p -> {
                next.batch().sendTo(p);
                p.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            });
            offsets.forEach((tp, om) -> committedHere.merge(tp, om.offset(), Math::max));
            attempt = 0;
        } catch (Exception e) {
            next.batch().discard();
            throw e;
        }
    }

    /** A stop commits the batches that are already transformed and gives up the rest (they are read again later). */
    private void finishOnStop() {
        try {
            while (!inFlight.isEmpty() && inFlight.peek().batch().isDone()) {
                commit(inFlight.poll());
            }
        } catch (Exception e) {
            LOG.warn("{}: could not commit the finished batches while stopping ({}); they will be processed again",
                    name, e.toString());
        }
    }

    private void discardAll() {
        for (InFlight<K, V, KO, VO> f; (f = inFlight.poll()) != null; ) {
            try {
                f.batch().discard();
            } catch (RuntimeException e) {
                LOG.debug("{}: discard failed: {}", name, e.toString());
            }
        }
    }

    private void fail(Throwable t) {
        failure = t;
        failed.set(true);
        LOG.error("{}: stopping after a fatal error: {}", name, t.toString(), t);
    }

    private void backoff(int attempt) throws InterruptedException {
        long ms = Backoff.millis(retryBackoff, attempt);
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
            long ahead = aheadOfGroup(tp, om);
            if (ahead >= 0) {
                consumer.seek(tp, ahead);
            } else if (om != null) {
                consumer.seek(tp, om.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    /** Assigned partitions this loop has committed on before resume after its own last commit if the group is behind. */
    private void resumeAfterOwnCommits(Collection<TopicPartition> assigned) {
        Set<TopicPartition> known = new HashSet<>();
        for (TopicPartition tp : assigned) {
            if (committedHere.containsKey(tp)) {
                known.add(tp);
            }
        }
        if (known.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(known);
        for (TopicPartition tp : known) {
            long ahead = aheadOfGroup(tp, committed.get(tp));
            if (ahead >= 0) {
                consumer.seek(tp, ahead);
            }
        }
    }

    /** This loop's own committed offset of {@code tp} when the group's is behind it (or missing), else -1. */
    private long aheadOfGroup(TopicPartition tp, OffsetAndMetadata group) {
        Long mine = committedHere.get(tp);
        long theirs = group == null ? -1 : group.offset();
        if (mine == null || mine <= theirs) {
            return -1;
        }
        LOG.warn("{}: the group's committed offset of {} is {}, behind this worker's last committed transaction (up to {}):"
                + " the broker lost that transaction's offsets; resuming at {} so that nothing is processed twice", name, tp,
                group == null ? "missing" : theirs, mine, mine);
        return mine;
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
        producer.close();
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
     * A revoked partition's next owner starts at its committed offset, so the batches in flight are committed now,
     * while this member still owns their partitions (else they would be transformed twice, and answered twice
     * only by luck of the group-generation fence). If that fails they are given up and read again.
     */
    private final class CommitOnRevoke implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (inFlight.isEmpty()) {
                return;
            }
            try {
                while (!inFlight.isEmpty()) {
                    commit(inFlight.poll());
                }
            } catch (Exception e) {
                LOG.warn("{}: could not commit the batches in flight before a rebalance ({}); they will be processed again",
                        name, e.toString());
                // The failed batch has already left the queue, so rewind even when nothing is left in flight: the
                // partitions this member keeps would otherwise go on past records that were never committed.
                discardAll();
                rewindNeeded = true;
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Lost partitions may already have a new owner, and a commit would be fenced: give the batches up.
            if (!inFlight.isEmpty()) {
                discardAll();
                rewindNeeded = true;
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("{}: assigned {}", name, partitions);
            // After partitions were lost (this member was expired, e.g. across a broker restart) the consumer would
            // start them at the group's committed offsets; those may have lost this member's last transaction.
            resumeAfterOwnCommits(partitions);
        }
    }
}
