package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void readCommittedConsumerSeesExactlyTheCommittedTransactions() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(dataDir).build()).start()) {
            assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            String topic = "transactions";
            createTopic(broker, topic, 1);

            Properties producerProperties = producerProperties(broker);
            producerProperties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-broker-it");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties)) {
                producer.initTransactions();
                sendInTransaction(producer, topic, List.of("committed-1", "committed-2", "committed-3"));
                producer.commitTransaction();
                sendInTransaction(producer, topic, List.of("aborted-1", "aborted-2"));
                producer.abortTransaction();
                sendInTransaction(producer, topic, List.of("committed-4", "committed-5"));
                producer.commitTransaction();
            }

            assertThat(readAll(broker, topic, "read_committed"))
                    .extracting(ConsumerRecord::value)
                    .containsExactly("committed-1", "committed-2", "committed-3", "committed-4", "committed-5");
            // The aborted records were really written; only the isolation level hides them.
            assertThat(readAll(broker, topic, "read_uncommitted"))
                    .extracting(ConsumerRecord::value)
                    .containsExactly("committed-1", "committed-2", "committed-3", "aborted-1", "aborted-2",
                            "committed-4", "committed-5");
        }
    }

    @Test
    void topicsAndRecordsSurviveARestartOnTheSameDataDir() throws Exception {
        BrokerOptions options = BrokerOptions.builder(dataDir).build();
        List<String> written = IntStream.range(0, 10).mapToObj(i -> "record-" + i).toList();
        String clusterId;
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(options).start()) {
            clusterId = broker.clusterId();
            createTopic(broker, "durable", 3);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(broker))) {
                for (String value : written) {
                    producer.send(new ProducerRecord<>("durable", value, value)).get(10, TimeUnit.SECONDS);
                }
            }
        }
        assertThat(dataDir.resolve(EmbeddedKafkaBroker.LOG_DIR_NAME).resolve("meta.properties")).isRegularFile();

        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(options).start()) {
            assertThat(broker.clusterId()).isEqualTo(clusterId);
            try (Admin admin = Admin.create(adminProperties(broker))) {
                assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("durable");
                TopicDescription description = admin.describeTopics(Set.of("durable"))
                        .allTopicNames().get(10, TimeUnit.SECONDS).get("durable");
                assertThat(description.partitions()).hasSize(3);
            }
            List<ConsumerRecord<String, String>> records = readAll(broker, "durable", "read_committed");
            assertThat(records).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(written);
            assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value()));
        }
    }

    @Test
    void aStartedBrokerCannotBeStartedAgainAndCloseIsIdempotent() {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(dataDir).build()).start();
        try {
            assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
        } finally {
            broker.close();
            broker.close();
        }
        assertThat(broker.isRunning()).isFalse();
    }

    private static void sendInTransaction(KafkaProducer<String, String> producer, String topic, List<String> values) {
        producer.beginTransaction();
        for (String value : values) {
            producer.send(new ProducerRecord<>(topic, value, value));
        }
        producer.flush();
    }

    /** Reads every partition of {@code topic} from the beginning up to its end offset for that isolation level. */
    private static List<ConsumerRecord<String, String>> readAll(EmbeddedKafkaBroker broker, String topic,
                                                                String isolationLevel) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return records;
    }

    private static void createTopic(EmbeddedKafkaBroker broker, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(adminProperties(broker))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static Properties adminProperties(EmbeddedKafkaBroker broker) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return properties;
    }

    private static Properties producerProperties(EmbeddedKafkaBroker broker) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return properties;
    }
}
