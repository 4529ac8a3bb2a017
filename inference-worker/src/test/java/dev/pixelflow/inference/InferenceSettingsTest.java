package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceSettingsTest {
    @Test
    void defaults() {
        InferenceSettings s = InferenceSettings.from(ConfigSource.of(Map.of()));
        assertThat(s.groupId()).isEqualTo("pixelflow-inference");
        assertThat(s.batchSize()).isEqualTo(32);
        assertThat(s.decodeThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.defaultModel()).isNull();
        assertThat(s.requireModel()).isFalse();
    }

    @Test
    void readsTheEnvironment() {
        InferenceSettings s = InferenceSettings.from(ConfigSource.of(Map.of("PIXELFLOW_INFERENCE_GROUP", "g",
                "PIXELFLOW_BATCH_SIZE", "8", "PIXELFLOW_DECODE_THREADS", "3", "PIXELFLOW_MODEL", "cats:2",
                "PIXELFLOW_REQUIRE_MODEL", "true")));
        assertThat(s.groupId()).isEqualTo("g");
        assertThat(s.batchSize()).isEqualTo(8);
        assertThat(s.decodeThreads()).isEqualTo(3);
        assertThat(s.defaultModel()).isEqualTo(new ModelRef("cats", 2));
        assertThat(s.requireModel()).isTrue();
    }

    @Test
    void aBadModelReferenceNamesTheVariable() {
        assertThatThrownBy(() -> InferenceSettings.from(ConfigSource.of(Map.of("PIXELFLOW_MODEL", "cats:latest"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PIXELFLOW_MODEL");
        assertThatThrownBy(() -> InferenceSettings.from(ConfigSource.of(Map.of("PIXELFLOW_BATCH_SIZE", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PIXELFLOW_BATCH_SIZE");
    }
}
