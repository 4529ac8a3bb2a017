package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class KafkaTestBrokerTest {
    private final KafkaTestBroker broker = new KafkaTestBroker(" 127.0.0.1:9092 ", KafkaTestBroker.Source.EXTERNAL);

    @Test
    void uniqueNamesKeepThePrefixAndNeverRepeat() {
        Set<String> names = new HashSet<>();
        IntStream.range(0, 1000).forEach(i -> names.add(broker.uniqueName("images.raw")));

        assertThat(names).hasSize(1000).allMatch(name -> name.matches("images\\.raw-[0-9a-f]{12}"));
    }

    @Test
    void prefixesThatCannotNameATopicAreRejected() {
        assertThatThrownBy(() -> broker.uniqueName("has space")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'has space'");
        assertThatThrownBy(() -> broker.uniqueName("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> broker.uniqueName("x".repeat(201))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientPropertiesCarryTheBootstrapAndSafeDefaults() {
        assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(broker.adminProperties()).containsEntry("bootstrap.servers", "127.0.0.1:9092");
        assertThat(broker.producerProperties())
                .containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true");
        assertThat(broker.consumerProperties("g1"))
                .containsEntry("group.id", "g1")
                .containsEntry("auto.offset.reset", "earliest")
                .containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed");
        // Fresh copies: one test's tweaks must not leak into another's.
        broker.producerProperties().put("acks", "1");
        assertThat(broker.producerProperties()).containsEntry("acks", "all");
    }

    @Test
    void rejectsBlankBootstrapAndBadPartitionCounts() {
        assertThatThrownBy(() -> new KafkaTestBroker(" ", KafkaTestBroker.Source.EMBEDDED))
                .hasMessage("bootstrapServers must not be blank");
        assertThatThrownBy(() -> broker.createTopic("t", 0))
                .hasMessage("partitions must be >= 1, got 0 for topic 't'");
    }
}
