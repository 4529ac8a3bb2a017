package dev.pixelflow.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.ListenerProbe.Speaks;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ListenerProbeTest {
    private static final String SECRET = "pw-never-shown";

    @Test
    void aPlaintextClientAtATlsListenerIsToldToUseTls() {
        assertThat(ListenerProbe.explain("b:9093", "PLAINTEXT", Speaks.TLS)).hasValueSatisfying(line -> assertThat(line)
                .startsWith("the listener at b:9093 speaks TLS, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT (the default)")
                .contains("KAFKA_SECURITY_PROTOCOL=SASL_SSL", "KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertThat(ListenerProbe.explain("b:9093", "SASL_PLAINTEXT", Speaks.TLS)).hasValueSatisfying(line -> assertThat(line)
                .contains("speaks TLS, but KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT:"));
    }

    @Test
    void aTlsClientAtAPlaintextListenerIsToldItDoesNotSpeakTls() {
        assertThat(ListenerProbe.explain("b:9092", "SASL_SSL", Speaks.NOT_TLS)).hasValueSatisfying(line -> assertThat(line)
                .startsWith("the listener at b:9092 does not speak TLS, but KAFKA_SECURITY_PROTOCOL is SASL_SSL")
                .contains("KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT"));
    }

    @Test
    void aClientWithoutSaslWhoseTransportMatchesIsToldTheListenerLikelyExpectsALogin() {
        assertThat(ListenerProbe.explain("b:9093", "SSL", Speaks.TLS)).hasValueSatisfying(line -> assertThat(line)
                .contains("answers no client that does not log in", "KAFKA_SECURITY_PROTOCOL is SSL", "likely expects SASL_SSL",
                        "KAFKA_SASL_JAAS_CONFIG"));
        assertThat(ListenerProbe.explain("b:9092", "PLAINTEXT", Speaks.NOT_TLS)).hasValueSatisfying(line -> assertThat(line)
                .contains("likely expects SASL_PLAINTEXT"));
    }

    @Test
    void aSaslClientWhoseTransportMatchesIsNoMismatch() {
        assertThat(ListenerProbe.explain("b:9093", "SASL_SSL", Speaks.TLS)).isEmpty();
        assertThat(ListenerProbe.explain("b:9092", "SASL_PLAINTEXT", Speaks.NOT_TLS)).isEmpty();
    }

    @Test
    void aListenerThatClosesOnAClientHelloDoesNotSpeakTls() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // As a plaintext Kafka listener does: read the size of a "request", find it absurd, close.
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.readNBytes(4);
                } catch (IOException ignored) {
                    // the probe may have gone already
                }
            });
            assertThat(ListenerProbe.speaks("127.0.0.1", server.getLocalPort(), Duration.ofSeconds(5))).isEqualTo(Speaks.NOT_TLS);
            closing.join();
        }
    }

    @Test
    void onlyATransportMismatchIsCertainEnoughToTellEarly() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        in.readNBytes(4);
                    } catch (IOException ignored) {
                        // the probe may have gone already
                    }
                }
            });
            String address = "127.0.0.1:" + server.getLocalPort();
            KafkaSettings plaintext = KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", address)));
            // Silence from a plaintext listener to a plaintext client may be a broker still starting: no early word.
            assertThat(ListenerProbe.transportMismatch(plaintext, Duration.ofSeconds(5))).isEmpty();
            KafkaSettings tls = KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", address,
                    "KAFKA_SECURITY_PROTOCOL", "SASL_SSL")));
            assertThat(ListenerProbe.transportMismatch(tls, Duration.ofSeconds(5))).hasValueSatisfying(line ->
                    assertThat(line).startsWith("the listener at " + address + " does not speak TLS"));
            closing.join();
        }
    }

    @Test
    void anUnreachableAddressIsNoMismatch() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        KafkaSettings settings = KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + port,
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"" + SECRET + "\";")));
        assertThat(ListenerProbe.mismatch(settings, Duration.ofSeconds(2))).isEmpty();
    }
}
