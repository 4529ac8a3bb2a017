package dev.pixelflow.common.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PublishPolicyTest {
    @Test
    void finalOnlyNeverPublishesEarly() {
        assertThat(PublishPolicy.finalOnly().publishesAfter(1, 0.9, Double.NaN)).isFalse();
        assertThat(PublishPolicy.finalOnly().publishesAfter(10, 0.9, 0.5)).isFalse();
    }

    @Test
    void everyKPublishesOnMultiplesOfK() {
        PublishPolicy p = new PublishPolicy(3, false);
        assertThat(p.publishesAfter(1, 0.5, Double.NaN)).isFalse();
        assertThat(p.publishesAfter(3, 0.1, 0.9)).isTrue();
        assertThat(p.publishesAfter(6, 0.1, 0.9)).isTrue();
        assertThat(p.publishesAfter(7, 0.95, 0.9)).isFalse();
    }

    @Test
    void onBestPublishesOnlyStrictImprovements() {
        PublishPolicy p = new PublishPolicy(0, true);
        assertThat(p.publishesAfter(1, 0.6, Double.NaN)).isTrue();
        assertThat(p.publishesAfter(2, 0.6, 0.6)).isFalse();
        assertThat(p.publishesAfter(3, 0.61, 0.6)).isTrue();
        assertThat(p.publishesAfter(4, Double.NaN, 0.6)).isFalse();
    }

    @Test
    void negativeIntervalIsRefusedNamingTheField() {
        assertThatThrownBy(() -> new PublishPolicy(-1, false)).hasMessageContaining("publish.every");
    }

    @Test
    void aRequestWithoutThePolicyReadsAsFinalOnly() {
        TrainingRequest r = new TrainingRequest(1, "job-1", "m", "small-vgg", null, new ImageShape(32, 32, 3), null,
                OptimizerSpec.defaults(), 32, 2, AugmentSettings.none(), 1L, null, Instant.parse("2026-11-28T05:00:00Z"));
        String json = new String(TrainingRequest.SERDE.serialize("t", r), StandardCharsets.UTF_8)
                .replaceAll(",\"publish\":\\{[^}]*}", "");
        assertThat(json).doesNotContain("publish");
        TrainingRequest back = TrainingRequest.SERDE.deserialize("t", json.getBytes(StandardCharsets.UTF_8));
        assertThat(back.publish()).isEqualTo(PublishPolicy.finalOnly());
    }
}
