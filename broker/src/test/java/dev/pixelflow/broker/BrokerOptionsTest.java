package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BrokerOptionsTest {
    private static final Path DIR = Path.of("target", "some-broker");

    @Test
    void builderDefaultsToFreePortsAndOneMinuteTimeout() {
        BrokerOptions options = BrokerOptions.builder(DIR).build();

        assertThat(options.port()).isZero();
        assertThat(options.controllerPort()).isZero();
        assertThat(options.dataDir()).isEqualTo(DIR);
        assertThat(options.extraProperties()).isEmpty();
        assertThat(options.startTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void extraPropertiesAreCopiedAndOverrideDefaults() {
        BrokerOptions options = BrokerOptions.builder(DIR).property("num.partitions", "3").build();

        assertThat(options.extraProperties()).containsExactly(Map.entry("num.partitions", "3"));
        assertThat(KafkaServerSettings.of(9092, 9093, DIR, options.extraProperties()))
                .containsEntry("num.partitions", "3")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("controller.quorum.bootstrap.servers", "127.0.0.1:9093")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("auto.create.topics.enable", "false");
    }

    @Test
    void rejectsSettingsTheBrokerManagesItself() {
        assertThatThrownBy(() -> BrokerOptions.builder(DIR).property("listeners", "PLAINTEXT://0.0.0.0:9092").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'listeners' is managed by the embedded broker");
    }

    @Test
    void rejectsBadPortsAndTimeouts() {
        assertThatThrownBy(() -> BrokerOptions.builder(DIR).port(70_000).build())
                .hasMessageContaining("port must be in 0..65535");
        assertThatThrownBy(() -> BrokerOptions.builder(DIR).port(9092).controllerPort(9092).build())
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> BrokerOptions.builder(DIR).startTimeout(Duration.ZERO).build())
                .hasMessageContaining("startTimeout must be positive");
        assertThatThrownBy(() -> BrokerOptions.builder(null).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void clientListenersBindAndAdvertiseAsGivenWhileTheControllerStaysOnLoopback() {
        ClientListeners clients = new ClientListeners("0.0.0.0", "broker", 9094, "localhost:19094");
        BrokerOptions options = BrokerOptions.builder(DIR).clientListeners(clients).build();

        assertThat(options.clientListeners()).isEqualTo(clients);
        assertThat(KafkaServerSettings.of(9092, 9093, DIR, null, clients, null, options.extraProperties()))
                .containsEntry("listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093,EXTERNAL://0.0.0.0:9094")
                .containsEntry("advertised.listeners",
                        "PLAINTEXT://broker:9092,CONTROLLER://127.0.0.1:9093,EXTERNAL://localhost:19094")
                .containsEntry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT")
                .containsEntry("inter.broker.listener.name", "PLAINTEXT")
                .containsEntry("controller.quorum.bootstrap.servers", "127.0.0.1:9093");
        assertThat(BrokerOptions.builder(DIR).build().clientListeners()).isEqualTo(ClientListeners.LOOPBACK);
    }

    @Test
    void anExternalListenerNeedsItsPortAndItsAddress() {
        assertThatThrownBy(() -> new ClientListeners("0.0.0.0", "broker", 9094, null))
                .hasMessageContaining("needs both its port and its advertised HOST:PORT");
        assertThatThrownBy(() -> new ClientListeners("0.0.0.0", "broker", 0, "localhost:9094"))
                .hasMessageContaining("needs both");
    }
}
