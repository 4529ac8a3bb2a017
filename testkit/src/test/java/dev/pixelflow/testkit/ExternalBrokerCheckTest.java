package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ExternalBrokerCheckTest {

    @Test
    void anAddressWhereNothingListensFailsWithinTheTimeoutNamingTheVariable() {
        long started = System.nanoTime();

        assertThatThrownBy(() -> ExternalBrokerCheck.connect("127.0.0.1:1", "KAFKA_BOOTSTRAP_SERVERS", Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 names no reachable Kafka broker (")
                .hasMessageEndingWith("unset KAFKA_BOOTSTRAP_SERVERS so the tests start their own");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void anUnresolvableHostIsNamedToo() {
        assertThatThrownBy(() -> ExternalBrokerCheck.connect("no-such-host.invalid:9092", "-Dkafka.bootstrap.servers",
                Duration.ofSeconds(2)))
                .hasMessageStartingWith("-Dkafka.bootstrap.servers=no-such-host.invalid:9092 names no reachable Kafka broker");
    }
}
