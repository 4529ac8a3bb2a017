package dev.pixelflow.common.topic;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its serdes and the settings it is created with.
 *
 * @param configs topic-level configs (cleanup.policy, retention.ms, max.message.bytes, ...)
 */
public record Topic<K, V>(String name, int partitions, Map<String, String> configs, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is required");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1");
        }
        configs = Map.copyOf(configs);
    }

    /** Largest record value the topic accepts; producers size {@code max.request.size} from it. */
    public int maxMessageBytes() {
        return Integer.parseInt(configs.getOrDefault("max.message.bytes", "1048588"));
    }

    @Override
    public String toString() {
        return name;
    }
}
