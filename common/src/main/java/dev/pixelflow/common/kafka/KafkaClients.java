package dev.pixelflow.common.kafka;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.topic.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Every Kafka client of pixelflow is made here, so the safety settings are the same everywhere: idempotent
 * producers with acks=all, consumers with manual commits. The user's {@code KAFKA_*} settings apply on top of
 * the defaults (compression, SASL, SSL, timeouts); the few settings correctness depends on are enforced after.
 */
public final class KafkaClients {
    private final KafkaSettings settings;
    private final String clientIdPrefix;

    public KafkaClients(KafkaSettings settings, String clientIdPrefix) {
        this.settings = settings;
        this.clientIdPrefix = clientIdPrefix;
    }

    public KafkaSettings settings() {
        return settings;
    }

    public Map<String, Object> common(String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-" + clientId);
        p.putAll(settings.clientProperties());
        return p;
    }

    public Admin admin() {
        Map<String, Object> p = common("admin");
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return Admin.create(onlyKnown(p, AdminClientConfig.configNames()));
    }

    /**
     * A plain idempotent producer with one request in flight per connection. Why one: on a freshly created topic
     * the first produce request to a partition can come back NOT_LEADER_OR_FOLLOWER while the next pipelined
     * requests already succeed; the broker, which did not know this producer yet, accepts them at sequence 1+, and
     * the retried sequence 0 is then refused as out of order until its delivery timeout expires — records lost
     * (seen in CI: 93 of 4,000 photos of `pixelflow ingest`). With one request in flight nothing overtakes the
     * first batch; batching (256 KB, 5 ms linger) keeps the throughput. {@code KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION}
     * overrides it.
     */
    public <K, V> KafkaProducer<K, V> producer(String clientId, Serializer<K> keys, Serializer<V> values) {
        return new KafkaProducer<>(producerProps(clientId, null,
                Map.of(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1)), keys, values);
    }

    /**
     * A transactional producer. The id must be stable for one worker instance across restarts: on
     * {@code initTransactions()} the broker then fences the crashed predecessor and aborts its open transaction.
     */
    public <K, V> KafkaProducer<K, V> transactionalProducer(String transactionalId, Serializer<K> keys, Serializer<V> values) {
        return transactionalProducer(transactionalId, keys, values, Map.of());
    }

    /**
     * As above, with the caller's defaults (e.g. {@code compression.type=none} for uint8 pixels, which LZ4 barely
     * shrinks at a real CPU cost in the producer and the broker) under the user's {@code KAFKA_*} settings.
     */
    public <K, V> KafkaProducer<K, V> transactionalProducer(String transactionalId, Serializer<K> keys, Serializer<V> values,
                                                            Map<String, Object> defaults) {
        return new KafkaProducer<>(producerProps(transactionalId, transactionalId, defaults), keys, values);
    }

    private Map<String, Object> producerProps(String clientId, String transactionalId) {
        return producerProps(clientId, transactionalId, Map.of());
    }

    private Map<String, Object> producerProps(String clientId, String transactionalId, Map<String, Object> defaults) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.IMAGE_MESSAGE_BYTES);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.putAll(defaults);
        p.putAll(common(clientId));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        }
        return onlyKnown(p, ProducerConfig.configNames());
    }

    /**
     * A consumer with manual commits; {@code readCommitted} hides aborted and open transactions. A refused poll
     * names READ ({@link RefusalNamingConsumer}).
     */
    public <K, V> KafkaConsumer<K, V> consumer(String groupId, boolean readCommitted, Deserializer<K> keys, Deserializer<V> values) {
        return consumer(groupId, readCommitted, keys, values, Map.of());
    }

    /** As above, with the caller's defaults (e.g. max.poll.records) under the user's settings. */
    public <K, V> KafkaConsumer<K, V> consumer(String groupId, boolean readCommitted, Deserializer<K> keys,
                                               Deserializer<V> values, Map<String, Object> defaults) {
        Map<String, Object> p = new HashMap<>(defaults);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(common(groupId == null ? "reader" : groupId));
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        return new RefusalNamingConsumer<>(onlyKnown(p, ConsumerConfig.configNames()), keys, values);
    }

    /**
     * A pass-through group such as KAFKA_* also holds names that belong to one client kind only
     * (transaction.timeout.ms means nothing to a consumer); drop those rather than log warnings per client.
     */
    private static Map<String, Object> onlyKnown(Map<String, Object> props, java.util.Set<String> known) {
        Map<String, Object> out = new HashMap<>();
        props.forEach((k, v) -> {
            if (known.contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
