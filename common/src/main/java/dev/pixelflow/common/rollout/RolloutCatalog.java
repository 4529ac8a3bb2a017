package dev.pixelflow.common.rollout;

import dev.pixelflow.common.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A one-shot read of {@code models.rollout} up to its current end (the latest state of each model name), and the
 * write of a new state. Commands and the trainer use it; inference workers follow the topic instead.
 */
public final class RolloutCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutCatalog.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final KafkaClients clients;
    private final String topic;

    public RolloutCatalog(KafkaClients clients, String topic) {
        this.clients = clients;
        this.topic = topic;
    }

    /** The latest state of every model name that has one. */
    public Map<String, RolloutState> states() {
        Map<String, RolloutState> out = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(out, r);
                }
            }
        }
        return out;
    }

    /** The state of {@code model}, or the initial one (rule newest, newest version in production) when it has none. */
    public RolloutState state(String model) {
        RolloutState s = states().get(model);
        return s != null ? s : RolloutState.initial(model);
    }

    /** Writes a state and waits until the broker has it. */
    public void write(RolloutState state) {
        try (KafkaProducer<String, RolloutState> producer = clients.producer("rollout", new StringSerializer(),
                RolloutState.SERDE)) {
            producer.send(new ProducerRecord<>(topic, state.model(), state)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The ExecutionException itself as the cause: its stack shows a producer's refusal, which names WRITE.
            throw new IllegalStateException("could not write the rollout state of " + state.model() + " to " + topic + ": "
                    + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not write the rollout state of " + state.model() + " to " + topic
                    + " within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the rollout state of " + state.model());
        }
    }

    /** Folds one record of the topic into {@code states}: an unreadable record is skipped, not fatal. */
    public static void apply(Map<String, RolloutState> states, ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            states.remove(r.key());
            return;
        }
        try {
            RolloutState s = RolloutState.SERDE.deserialize(r.topic(), r.value());
            if (!s.model().equals(r.key())) {
                LOG.warn("rollout: ignoring the record at offset {}: key '{}' but model '{}'", r.offset(), r.key(), s.model());
                return;
            }
            states.put(s.model(), s);
        } catch (RuntimeException e) {
            LOG.warn("rollout: ignoring unreadable record for {} at offset {}: {}", r.key(), r.offset(), e.getMessage());
        }
    }
}
