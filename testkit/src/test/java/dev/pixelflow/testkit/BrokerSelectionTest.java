package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class BrokerSelectionTest {

    @Test
    void defaultsToAutoWithTheApacheImage() {
        assertThat(BrokerSelection.from(Map.of(), new Properties()))
                .isEqualTo(new BrokerSelection(Optional.empty(), "KAFKA_BOOTSTRAP_SERVERS", BrokerSelection.Mode.AUTO, "apache/kafka:4.1.0"));
    }

    @Test
    void externalBootstrapFromEnvOrSystemPropertyWhichWins() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        assertThat(BrokerSelection.from(env, new Properties()).externalBootstrap()).contains("kafka:9092");
        assertThat(BrokerSelection.from(env, new Properties()).externalOrigin()).isEqualTo("KAFKA_BOOTSTRAP_SERVERS");

        Properties properties = new Properties();
        properties.setProperty("kafka.bootstrap.servers", "other:9092");
        assertThat(BrokerSelection.from(env, properties).externalBootstrap()).contains("other:9092");
        assertThat(BrokerSelection.from(env, properties).externalOrigin()).isEqualTo("-Dkafka.bootstrap.servers");

        assertThat(BrokerSelection.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "  "), new Properties()).externalBootstrap())
                .isEmpty();
    }

    @Test
    void modeAndImageOverrides() {
        Properties properties = new Properties();
        properties.setProperty("pixelflow.testkit.broker", "Embedded");
        properties.setProperty("pixelflow.testkit.kafka-image", "apache/kafka:4.2.0");

        BrokerSelection selection = BrokerSelection.from(Map.of(), properties);

        assertThat(selection.mode()).isEqualTo(BrokerSelection.Mode.EMBEDDED);
        assertThat(selection.image()).isEqualTo("apache/kafka:4.2.0");
    }

    @Test
    void unknownModeIsNamed() {
        Properties properties = new Properties();
        properties.setProperty("pixelflow.testkit.broker", "zookeeper");

        assertThatThrownBy(() -> BrokerSelection.from(Map.of(), properties))
                .hasMessage("-Dpixelflow.testkit.broker must be auto, testcontainers or embedded, got 'zookeeper'");
    }
}
