package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's pipelining and its exactly-once bookkeeping, on Kafka's mock clients. */
class TransactionalLoopTest {
    private static final TopicPartition IN = new TopicPartition("in", 0);

    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(),
            new StringSerializer());
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<List<String>> started = new CopyOnWriteArrayList<>();
    private final List<List<String>> discarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private TransactionalLoop<String, String, String, String> loop;

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
        loop = new TransactionalLoop<>("test", consumer, producer, List.of(IN.topic()), processor, Duration.ofMillis(10),
                maxInFlight, 3, Duration.ofMillis(1));
        Thread t = new Thread(loop, "test-loop");
        t.setDaemon(true);
        t.start();
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
}
