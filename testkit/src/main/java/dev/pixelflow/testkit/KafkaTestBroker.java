package dev.pixelflow.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka broker a test talks to, whichever kind {@link KafkaBrokerExtension} chose, plus the few helpers
 * every integration test needs. Tests share one broker per JVM, so they must use {@link #uniqueName(String)}
 * for topics and group ids instead of fixed names.
 */
public final class KafkaTestBroker {
    /** Where the broker came from. */
    public enum Source {
        /** KAFKA_BOOTSTRAP_SERVERS / -Dkafka.bootstrap.servers: a broker someone else runs. */
        EXTERNAL,
        /** A Testcontainers apache/kafka container (Docker answered). */
        TESTCONTAINERS,
        /** pixelflow's in-process EmbeddedKafkaBroker (no Docker). */
        EMBEDDED
    }

    private static final Pattern TOPIC_CHARS = Pattern.compile("[A-Za-z0-9._-]+");
    private static final int MAX_PREFIX = 200;
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** Admin.close() without a timeout waits for every pending call: forever when the broker never answered. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final String bootstrapServers;
    private final Source source;

    public KafkaTestBroker(String bootstrapServers, Source source) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank");
        }
        this.bootstrapServers = bootstrapServers.strip();
        this.source = Objects.requireNonNull(source, "source");
    }

    /** host:port[,host:port...] for bootstrap.servers. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Source source() {
        return source;
    }

    /** {@code prefix} plus a random suffix, valid as a topic name, group id or transactional id. */
    public String uniqueName(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.length() > MAX_PREFIX || !TOPIC_CHARS.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix must be 1.." + MAX_PREFIX
                    + " characters of [A-Za-z0-9._-] so it can name a topic, got '" + prefix + "'");
        }
        return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Creates {@code name} with {@code partitions} partitions and the broker's default replication factor, and
     * returns once every partition has a leader, so a producer's first send does not race the creation.
     *
     * @throws IllegalStateException if the topic exists already or the broker refuses or does not answer
     */
    public void createTopic(String name, int partitions) {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "partitions must be >= 1, got " + partitions + " for topic '" + name + "'");
        }
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        Admin admin = Admin.create(adminProperties());
        try {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(partitions), Optional.empty())))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            while (!allPartitionsLed(admin, name, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic '" + name + "' on " + bootstrapServers
                            + " has partitions without a leader after " + ADMIN_TIMEOUT);
                }
                // Polling backoff while the broker applies the new partitions' leadership.
                Thread.sleep(50);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("creating topic '" + name + "' with " + partitions + " partitions on "
                    + bootstrapServers + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topic '" + name + "' on " + bootstrapServers
                    + " got no answer within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /** bootstrap.servers only. */
    public Properties adminProperties() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return properties;
    }

    /** acks=all, idempotent, byte[] keys and values; override serializers as needed. */
    public Properties producerProperties() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return properties;
    }

    /**
     * Reads from the earliest offset, commits only when told to, sees only committed transactions,
     * byte[] keys and values.
     */
    public Properties consumerProperties(String groupId) {
        Objects.requireNonNull(groupId, "groupId");
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return properties;
    }

    @Override
    public String toString() {
        return "KafkaTestBroker[" + source + " " + bootstrapServers + "]";
    }

    private static boolean allPartitionsLed(Admin admin, String topic, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> descriptions;
        try {
            descriptions = admin.describeTopics(Set.of(topic)).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // created on the controller, not yet in this broker's metadata
            }
            throw e;
        }
        TopicDescription description = descriptions.get(topic);
        return description != null && description.partitions().size() == partitions
                && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }
}
