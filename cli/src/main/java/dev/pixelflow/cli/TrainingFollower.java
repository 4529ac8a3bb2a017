package dev.pixelflow.cli;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.TrainingEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one job on {@code training.metrics}: positioned at the end before the request is sent, so nothing of
 * the job is missed; prints an epoch progress bar, one line per epoch and any warning until PUBLISHED or FAILED.
 */
public final class TrainingFollower implements AutoCloseable {
    /** How the job ended: published version, or the failure message. */
    public record Outcome(boolean published, Integer version, String message, List<EpochMetrics> history) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final String jobId;

    public TrainingFollower(KafkaClients clients, String topic, String jobId) {
        this.jobId = jobId;
        this.consumer = clients.consumer(null, true, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(tp -> consumer.position(tp, Duration.ofSeconds(15))); // resolve the position now, before sending
    }

    public Outcome follow(PrintStream out, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Progress bar = null;
        int barEpoch = -1;
        java.util.ArrayList<EpochMetrics> history = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (!jobId.equals(r.key())) {
                    continue;
                }
                TrainingEvent e;
                try {
                    e = TrainingEvent.SERDE.deserialize(r.topic(), r.value());
                } catch (SerializationException ex) {
                    continue;
                }
                switch (e.type()) {
                    case STARTED -> out.printf("training started: %s%n", e.message());
                    case PROGRESS -> {
                        if (bar == null || barEpoch != e.epoch()) {
                            bar = new Progress(out, String.format(Locale.ROOT, "epoch %d/%d", e.epoch(), e.epochs()), e.batches(),
                                    e.batch());
                            barEpoch = e.epoch();
                        } else {
                            bar.step(e.batch() - bar.done());
                        }
                    }
                    case EPOCH -> {
                        if (!history.isEmpty() && e.metrics().epoch() <= history.get(history.size() - 1).epoch()) {
                            continue; // announced again by a trainer that resumed after it
                        }
                        if (bar != null) {
                            bar.finish();
                            bar = null;
                        }
                        EpochMetrics m = e.metrics();
                        history.add(m);
                        out.printf(Locale.ROOT, "epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  (%.0f s, %.1f img/s%s)%n",
                                m.epoch(), e.epochs(), m.trainLoss(), m.trainAccuracy(), m.valLoss(), m.valAccuracy(), m.seconds(),
                                m.imagesPerSecond(), m.trainSize() == null ? "" : " on " + m.trainSize() + " crops");
                    }
                    case WARNING -> out.printf("warning: %s%n", e.message());
                    case INTERIM -> out.printf("published %s (after epoch %d; training goes on)%n", e.message(), e.epoch());
                    case PUBLISHED -> {
                        out.printf("published %s%n", e.message());
                        return new Outcome(true, e.version(), e.message(), history);
                    }
                    case FAILED -> {
                        out.printf("training failed: %s%n", e.message());
                        return new Outcome(false, null, e.message(), history);
                    }
                    default -> { }
                }
            }
        }
        return new Outcome(false, null, "timed out after " + timeout, history);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
