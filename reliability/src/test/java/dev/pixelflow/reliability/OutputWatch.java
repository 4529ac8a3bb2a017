package dev.pixelflow.reliability;

import dev.pixelflow.common.worker.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows output topics as a read_committed client would, noting when each record became visible, so that a
 * scenario can tell how long a fault stopped progress: recovery is the first record produced after the fault
 * (by its CreateTime) that became visible.
 */
final class OutputWatch implements AutoCloseable {
    /** When a record was produced (CreateTime) and when this watcher first saw it (wall clock). */
    record Seen(long created, long visible) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Seen> seen = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;

    OutputWatch(String bootstrap, List<String> topics) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("max.partition.fetch.bytes", 8 * 1024 * 1024);
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = topics.stream().flatMap(t -> consumer.partitionsFor(t, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(t, i.partition()))).collect(Collectors.toList());
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = DaemonThreads.named("output-watch").newThread(this::run);
        thread.start();
    }

    private void run() {
        try {
            while (!closed.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.currentTimeMillis();
                    synchronized (seen) {
                        seen.add(new Seen(r.timestamp(), now));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    int count() {
        synchronized (seen) {
            return seen.size();
        }
    }

    /** Milliseconds from {@code faultAt} until the first record created after it was visible; -1 if none yet. */
    long recoveredAfter(long faultAt) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.created() > faultAt).mapToLong(Seen::visible).min().stream()
                    .map(v -> v - faultAt).findFirst().orElse(-1);
        }
    }

    /** Records created after {@code faultAt} that are visible. */
    long createdAfter(long faultAt) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.created() > faultAt).count();
        }
    }

    @Override
    public void close() {
        closed.set(true);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
