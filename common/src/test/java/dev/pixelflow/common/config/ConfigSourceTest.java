package dev.pixelflow.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.ImageShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceTest {

    @Test
    void defaultsApplyWhenNothingIsSet() {
        ConfigSource src = ConfigSource.of(Map.of());
        KafkaSettings kafka = KafkaSettings.from(src);
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(kafka.topicPrefix()).isEmpty();
        WorkerSettings w = WorkerSettings.from(src, "ingest", 8081);
        assertThat(w.httpPort()).isEqualTo(8081);
        assertThat(w.httpHost()).isEqualTo("127.0.0.1");
        assertThat(w.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void kafkaVariablesPassThroughAsClientProperties() {
        KafkaSettings kafka = KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "a:1,b:2",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "secret-jaas", "KAFKA_HEAP_OPTS", "-Xmx1g")));
        assertThat(kafka.bootstrapServers()).isEqualTo("a:1,b:2");
        assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN").containsEntry("sasl.jaas.config", "secret-jaas")
                .doesNotContainKey("heap.opts");
        assertThat(kafka.toString()).doesNotContain("secret-jaas");
    }

    @Test
    void malformedSettingsNameTheVariable() {
        assertThatThrownBy(() -> KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("KAFKA_BOOTSTRAP_SERVERS").hasMessageContaining("host:port");
        assertThatThrownBy(() -> WorkerSettings.from(ConfigSource.of(Map.of("PIXELFLOW_HTTP_PORT", "eighty")), "x", 1))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("PIXELFLOW_HTTP_PORT").hasMessageContaining("0..65535");
        assertThatThrownBy(() -> WorkerSettings.from(ConfigSource.of(Map.of("PIXELFLOW_SHUTDOWN_TIMEOUT", "soon")), "x", 1))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("PIXELFLOW_SHUTDOWN_TIMEOUT");
        ConfigSource src = ConfigSource.of(Map.of("PIXELFLOW_SIZE", "150x150", "FLAG", "maybe", "RATIO", "2"));
        assertThatThrownBy(() -> src.shape("PIXELFLOW_SIZE", null)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PIXELFLOW_SIZE").hasMessageContaining("HxWxC");
        assertThatThrownBy(() -> src.bool("FLAG", false)).hasMessageStartingWith("FLAG");
        assertThatThrownBy(() -> src.doubleIn("RATIO", 0.2, 0, 1)).hasMessageStartingWith("RATIO");
        assertThatThrownBy(() -> KafkaSettings.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "a b"))))
                .hasMessageStartingWith("PIXELFLOW_TOPIC_PREFIX");
    }

    @Test
    void missingRequiredSettingNamesTheVariable() {
        assertThatThrownBy(() -> ConfigSource.of(Map.of()).required("PIXELFLOW_STATE_DIR", "a directory"))
                .isInstanceOf(ConfigException.class).hasMessage("PIXELFLOW_STATE_DIR is required: expected a directory");
    }

    @Test
    void propertiesFileIsOverlaidByTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pixelflow.properties");
        Files.writeString(file, "KAFKA_BOOTSTRAP_SERVERS=file:9092\nPIXELFLOW_SIZE=28x28x1\nPIXELFLOW_HTTP_PORT=9000\n");
        ConfigSource src = ConfigSource.of(Map.of("PIXELFLOW_CONFIG", file.toString(), "PIXELFLOW_HTTP_PORT", "9100"));
        assertThat(KafkaSettings.from(src).bootstrapServers()).isEqualTo("file:9092");
        assertThat(src.shape("PIXELFLOW_SIZE", null)).isEqualTo(new ImageShape(28, 28, 1));
        assertThat(src.intIn("PIXELFLOW_HTTP_PORT", 1, 0, 65535)).isEqualTo(9100);
        assertThatThrownBy(() -> ConfigSource.of(Map.of("PIXELFLOW_CONFIG", dir.resolve("nope").toString())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("PIXELFLOW_CONFIG");
    }

    @Test
    void durationsTakeUnits() {
        assertThat(ConfigSource.parseDuration("X", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigSource.parseDuration("X", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigSource.parseDuration("X", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigSource.parseDuration("X", "250")).isEqualTo(Duration.ofMillis(250));
    }
}
