package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionIT {
    private static KafkaTestBroker fromBeforeAll;

    @BeforeAll
    static void resolvesIntoLifecycleMethods(KafkaTestBroker broker) {
        fromBeforeAll = broker;
    }

    @Test
    void everyWayOfAskingGivesTheSameSharedBroker(KafkaTestBroker broker) {
        assertThat(broker).isSameAs(fromBeforeAll).isSameAs(KafkaBrokerExtension.broker());
        assertThat(broker.bootstrapServers()).isNotBlank();
        if (broker.source() == KafkaTestBroker.Source.EMBEDDED) {
            assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        }
    }

    @Test
    void createTopicThenProduceAndConsumeWithTheHelperProperties(KafkaTestBroker broker) throws Exception {
        String topic = broker.uniqueName("extension-it");
        broker.createTopic(topic, 3);
        try (Admin admin = Admin.create(broker.adminProperties())) {
            assertThat(admin.describeTopics(Set.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions()).hasSize(3);
        }

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic, bytes("k" + i), bytes("v" + i))).get(10, TimeUnit.SECONDS);
            }
        }

        List<String> values = new ArrayList<>();
        String group = broker.uniqueName("group");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties(group))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= 6;
            });
        }
        assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5");
    }

    @Test
    void creatingAnExistingTopicNamesIt(KafkaTestBroker broker) {
        String topic = broker.uniqueName("twice");
        broker.createTopic(topic, 1);

        assertThatThrownBy(() -> broker.createTopic(topic, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("creating topic '" + topic + "'")
                .hasMessageContaining("TopicExistsException");
    }

    @Test
    void producingToAMissingTopicDoesNotCreateItOnTheEmbeddedBroker(KafkaTestBroker broker) throws Exception {
        assumeTrue(broker.source() == KafkaTestBroker.Source.EMBEDDED, "only the embedded broker's settings are ours");
        String topic = broker.uniqueName("never-created");
        Properties properties = broker.producerProperties();
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, bytes("x"))).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("not present in metadata");
        }
        try (Admin admin = Admin.create(broker.adminProperties())) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
