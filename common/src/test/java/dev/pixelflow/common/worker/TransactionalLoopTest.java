package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's pipelining and its exactly-once bookkeeping, on Kafka's mock clients. */
class TransactionalLoopTest {
    private static final TopicPartition IN = new TopicPartition("in", 0);

    private final ListeningConsumer consumer = new ListeningConsumer();
    private final MockProducer<String, String> producer = mockProducer();
    /** What the loop gets each time it makes a producer: the first at the start, the others after fences. */
    private final Queue<MockProducer<String, String>> producers = new ConcurrentLinkedQueue<>(List.of(producer));
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<List<String>> started = new CopyOnWriteArrayList<>();
    private final List<List<String>> discarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private TransactionalLoop<String, String, String, String> loop;

    private static MockProducer<String, String> mockProducer() {
        return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    }

    /** Kafka's mock consumer runs no rebalance callbacks; this one keeps the listener so a test can run them. */
    private static final class ListeningConsumer extends MockConsumer<String, String> {
        private volatile ConsumerRebalanceListener listener;

        ListeningConsumer() {
            super("earliest");
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener callback) {
            super.subscribe(topics, callback);
            this.listener = callback;
        }
    }

    /** Upper-cases values; a batch finishes only once the test releases it, and may fail on send. */
    private final class Gated implements PendingBatch<String, String> {
        private final List<String> keys;
        private final List<String> values;

        Gated(ConsumerRecords<String, String> records) {
            this.keys = new java.util.ArrayList<>();
            this.values = new java.util.ArrayList<>();
            records.forEach(r -> {
                keys.add(r.key());
                values.add(r.value());
            });
        }

        @Override
        public boolean isDone() {
            return release.getCount() == 0;
        }

        @Override
        public void sendTo(Producer<String, String> p) throws Exception {
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the batch");
            }
            for (int i = 0; i < keys.size(); i++) {
                p.send(new ProducerRecord<>("out", keys.get(i), values.get(i).toUpperCase()));
            }
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("injected failure after sending");
            }
        }

        @Override
        public void discard() {
            discarded.add(keys);
        }
    }

    private void startLoop(int maxInFlight) {
        BatchProcessor<String, String, String, String> processor = records -> {
            Gated g = new Gated(records);
            started.add(g.keys);
            return g;
        };
        loop = new TransactionalLoop<>("test", consumer, producers::poll, List.of(IN.topic()), processor,
                Duration.ofMillis(10), maxInFlight, 3, Duration.ofMillis(1));
        DaemonThreads.named("test-loop").newThread(loop).start();
    }

    private void add(int from, int to) {
        for (int i = from; i < to; i++) {
            consumer.addRecord(new ConsumerRecord<>(IN.topic(), IN.partition(), i, "k" + i, "v" + i));
        }
    }

    private void assignAndAdd(int from, int to) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(IN));
            consumer.updateBeginningOffsets(Map.of(IN, 0L));
            add(from, to);
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            assertThat(loop.await(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void readsTheNextPollWhileTheFirstIsStillBeingTransformedAndCommitsEachWithItsOwnOffsets() {
        assignAndAdd(0, 3);
        consumer.schedulePollTask(() -> add(3, 5));
        startLoop(2);

        // The second poll is handed over while the first one cannot have been committed yet.
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 2);
        assertThat(producer.history()).isEmpty();
        release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> producer.consumerGroupOffsetsHistory().size() == 2);
        assertThat(producer.history()).extracting(ProducerRecord::value).containsExactly("V0", "V1", "V2", "V3", "V4");
        assertThat(producer.consumerGroupOffsetsHistory()).extracting(byGroup -> byGroup.values().iterator().next().get(IN))
                .extracting(OffsetAndMetadata::offset).containsExactly(3L, 5L);
        assertThat(loop.failed()).isFalse();
    }

    @Test
    void aFailedBatchAbortsAndGivesUpTheBatchesStartedAfterIt() {
        failuresLeft.set(1);
        assignAndAdd(0, 3);
        consumer.schedulePollTask(() -> add(3, 5));
        startLoop(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 2);
        AtomicBoolean readded = new AtomicBoolean();
        release.countDown();

        // The first batch fails after sending: its sends are aborted, the second batch is given up, both are read again.
        await().atMost(Duration.ofSeconds(10)).until(() -> discarded.size() >= 2);
        assertThat(discarded.get(0)).containsExactly("k0", "k1", "k2");
        assertThat(discarded.get(1)).containsExactly("k3", "k4");
        assertThat(producer.transactionAborted()).isTrue();
        consumer.schedulePollTask(() -> {
            add(0, 5); // the mock consumer forgets delivered records; a real one re-reads them after the rewind
            readded.set(true);
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> readded.get() && producer.commitCount() >= 1
                && producer.history().size() == 5);
        assertThat(producer.history()).extracting(ProducerRecord::value).containsExactly("V0", "V1", "V2", "V3", "V4");
        assertThat(loop.failed()).isFalse();
    }

    @Test
    void aPositionNeverGoesBehindTheLastTransactionThisLoopCommittedEvenWhenTheGroupLostItsOffsets() {
        // The mock consumer's group offsets never move: like a broker that lost the offsets of a committed transaction.
        assignAndAdd(0, 3);
        startLoop(1);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.commitCount() == 1);

        // The next transaction fails; the rewind must not go back to offset 0 (that would process k0..k2 twice).
        failuresLeft.set(1);
        consumer.schedulePollTask(() -> add(3, 5));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.transactionAborted());
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.position(IN) == 3L);

        // Then the member is expired and rejoins: the consumer would start the partition at the group's offset.
        AtomicBoolean reassigned = new AtomicBoolean();
        consumer.schedulePollTask(() -> {
            consumer.listener.onPartitionsLost(List.of(IN));
            consumer.seek(IN, 0L);
            consumer.listener.onPartitionsAssigned(List.of(IN));
            reassigned.set(true);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> reassigned.get() && consumer.position(IN) == 3L);

        consumer.schedulePollTask(() -> add(3, 5));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.commitCount() == 2);
        assertThat(producer.history()).extracting(ProducerRecord::value).containsExactly("V0", "V1", "V2", "V3", "V4");
        assertThat(loop.failed()).isFalse();
    }

    @Test
    void aBatchThatCannotCommitWhenAPartitionIsRevokedIsReadAgainOnThePartitionsThisMemberKeeps() {
        TopicPartition kept = new TopicPartition(IN.topic(), 1);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(IN, kept));
            consumer.updateBeginningOffsets(Map.of(IN, 0L, kept, 0L));
            add(0, 3);
            consumer.addRecord(new ConsumerRecord<>(kept.topic(), kept.partition(), 0, "j0", "w0"));
            consumer.addRecord(new ConsumerRecord<>(kept.topic(), kept.partition(), 1, "j1", "w1"));
        });
        // A cooperative rebalance takes IN away while the only batch in flight is uncommitted, and its commit fails.
        consumer.schedulePollTask(() -> {
            producer.commitTransactionException = new KafkaException("injected: commit failed during the rebalance");
            release.countDown();
            consumer.listener.onPartitionsRevoked(List.of(IN));
            consumer.rebalance(List.of(kept));
            consumer.listener.onPartitionsAssigned(List.of());
        });
        startLoop(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> discarded.size() == 1);
        assertThat(producer.transactionAborted()).isTrue();
        // Nothing of the batch was committed, so the kept partition must be read again from its committed offset.
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.position(kept) == 0L);

        AtomicBoolean readded = new AtomicBoolean();
        consumer.schedulePollTask(() -> {
            producer.commitTransactionException = null;
            consumer.addRecord(new ConsumerRecord<>(kept.topic(), kept.partition(), 0, "j0", "w0"));
            consumer.addRecord(new ConsumerRecord<>(kept.topic(), kept.partition(), 1, "j1", "w1"));
            readded.set(true);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> readded.get() && producer.commitCount() == 1);
        assertThat(producer.history()).extracting(ProducerRecord::value).containsExactly("W0", "W1");
        assertThat(loop.failed()).isFalse();
    }

    @Test
    void aFencedProducerIsReplacedAndTheBatchIsCommittedByItsSuccessor() {
        // What the transaction coordinator does to a transaction that outlived transaction.timeout.ms.
        producer.commitTransactionException = new ProducerFencedException("injected: epoch bumped by a timeout abort");
        assertTheSuccessorCommitsTheBatchAgain(runOneBatchWithASuccessorReady());
    }

    /** One batch of three records through the loop, with a second producer ready for it to take over. */
    private MockProducer<String, String> runOneBatchWithASuccessorReady() {
        MockProducer<String, String> successor = mockProducer();
        producers.add(successor);
        assignAndAdd(0, 3);
        startLoop(2);
        release.countDown();
        return successor;
    }

    /** The first producer gave the batch up and was closed; the next one commits the batch, read again. */
    private void assertTheSuccessorCommitsTheBatchAgain(MockProducer<String, String> successor) {
        await().atMost(Duration.ofSeconds(10)).until(() -> discarded.size() == 1 && producer.closed());
        consumer.schedulePollTask(() -> add(0, 3)); // read again from the committed offset (none yet)
        await().atMost(Duration.ofSeconds(10)).until(() -> successor.commitCount() == 1);
        assertThat(successor.transactionInitialized()).isTrue();
        assertThat(successor.history()).extracting(ProducerRecord::value).containsExactly("V0", "V1", "V2");
        assertThat(producer.history()).isEmpty();
        assertThat(loop.failed()).isFalse();
    }

    @Test
    void aProducerFencedOverAndOverMeansATwinAndStopsTheLoop() {
        for (int i = 0; i < TransactionalProducer.MAX_FENCES; i++) {
            producers.add(mockProducer());
        }
        producers.forEach(p -> p.commitTransactionException = new ProducerFencedException("injected: a twin"));
        assignAndAdd(0, 3);
        startLoop(1);
        release.countDown();
        for (int i = 0; i < TransactionalProducer.MAX_FENCES; i++) {
            consumer.schedulePollTask(() -> add(0, 3));
        }

        await().atMost(Duration.ofSeconds(10)).until(loop::failed);
        assertThat(loop.failure()).hasMessageContaining("same transactional id").hasMessageContaining("PIXELFLOW_INSTANCE_ID");
        assertThat(producers).isEmpty();
    }

    @Test
    void aProducerThatCannotAbortIsReplacedInsteadOfFailingEveryRetry() {
        // After a broker outage the coordinator may have aborted the transaction itself: the commit fails with
        // InvalidTxnState and the producer is left in a fatal state where even abort fails.
        producer.commitTransactionException = new InvalidTxnStateException("injected: transaction already aborted");
        producer.abortTransactionException = new KafkaException("injected: cannot execute transactional method in an error state");
        assertTheSuccessorCommitsTheBatchAgain(runOneBatchWithASuccessorReady());
    }
}
