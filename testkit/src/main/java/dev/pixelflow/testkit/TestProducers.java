package dev.pixelflow.testkit;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producers for tests that feed a worker's input topics. */
public final class TestProducers {
    /** The raw-image topic's limit: a test may send any photo the ingest worker accepts. */
    public static final int MAX_REQUEST_BYTES = 21 * 1024 * 1024;

    private TestProducers() {
    }

    /** String keys, byte values: raw images, requests, serialized messages. */
    public static KafkaProducer<String, byte[]> bytes(String bootstrap) {
        return create(bootstrap, new StringSerializer(), new ByteArraySerializer(), Map.of());
    }

    /**
     * Every send acknowledged by all replicas, one request in flight: on a topic created a moment ago a pipelined
     * request can overtake a first one that is retried, which then never lands (KAFKA-15591; see
     * KafkaClients#producer). {@code overrides} wins over these settings.
     */
    public static <K, V> KafkaProducer<K, V> create(String bootstrap, Serializer<K> keys, Serializer<V> values,
                                                    Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", 5);
        p.put("max.in.flight.requests.per.connection", 1);
        p.put("max.request.size", MAX_REQUEST_BYTES);
        p.putAll(overrides);
        return new KafkaProducer<>(p, keys, values);
    }
}
