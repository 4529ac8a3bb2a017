package dev.pixelflow.common.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JsonMessagesTest {

    static EpochMetrics epoch(int n) {
        return new EpochMetrics(n, 0.69, 0.51, 0.68, 0.55, Map.of("cat", new ClassMetrics(0.5, 0.6, 400),
                "dog", new ClassMetrics(0.6, 0.5, 400)), 160.5, 20.1);
    }

    static ModelVersion modelVersion() {
        ImageShape shape = new ImageShape(150, 150, 3);
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, "dogs-cats", 3, Instant.parse("2026-11-28T05:00:00Z"), "job-1",
                "samediff", "{\"model\":\"dogs-cats\"}", Map.of(0, 1333L, 1, 1334L, 2, 1333L), 2, List.of(epoch(1), epoch(2)),
                List.of("cat", "dog"), shape, fingerprint(shape), "a".repeat(64), 13_800_000L, 27);
    }

    @Test
    void classifyResultsRoundTrip() {
        ClassifyResult ok = ClassifyResult.answer("r1", "c1", "dog", 0.93, Map.of("cat", 0.07, "dog", 0.93), "dogs-cats", 3, 41, "production");
        ClassifyResult bad = ClassifyResult.failure("r2", "r2", "corrupt", "not an image", null, null, 2, null);
        assertThat(roundTrip(ClassifyResult.SERDE, ok)).isEqualTo(ok);
        assertThat(roundTrip(ClassifyResult.SERDE, bad)).isEqualTo(bad);
        String json = new String(ClassifyResult.SERDE.serialize("t", ok), StandardCharsets.UTF_8);
        assertThat(json).contains("\"schemaVersion\":1", "\"label\":\"dog\"", "\"version\":3", "\"route\":\"production\"")
                .doesNotContain("error");
        // An answer from a worker that predates routes has none; it still reads.
        String old = "{\"schemaVersion\":1,\"requestId\":\"r1\",\"label\":\"dog\",\"model\":\"m\",\"version\":2}";
        assertThat(ClassifyResult.SERDE.deserialize("t", old.getBytes(StandardCharsets.UTF_8)).route()).isNull();
    }

    @Test
    void trainingEventsRoundTrip() {
        TrainingEvent e = new TrainingEvent(1, "job-1", "m", TrainingEvent.Type.EPOCH, 1L, 2, 64, 100, 100, epoch(2), null, null);
        assertThat(roundTrip(TrainingEvent.SERDE, e)).isEqualTo(e);
    }

    @Test
    void modelVersionsRoundTrip() {
        ModelVersion v = modelVersion();
        ModelVersion back = roundTrip(ModelVersion.SERDE, v);
        assertThat(back).isEqualTo(v);
        assertThat(back.ref()).isEqualTo("dogs-cats:3");
        assertThat(back.last().epoch()).isEqualTo(2);
    }

    @Test
    void trainingRequestsRoundTrip() {
        TrainingRequest r = new TrainingRequest(1, "job-1", "m", "small-vgg", null, new ImageShape(150, 150, 3), null,
                OptimizerSpec.defaults(), 32, 64, AugmentSettings.defaults(), 42L, null, Instant.parse("2026-11-28T05:00:00Z"));
        assertThat(roundTrip(TrainingRequest.SERDE, r)).isEqualTo(r);
    }

    @Test
    void unknownSchemaVersionFails() {
        byte[] json = "{\"schemaVersion\":7,\"requestId\":\"r\",\"error\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ClassifyResult.SERDE.deserialize("t", json)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown schema version 7");
    }

    @Test
    void missingVersionMalformedJsonAndMissingFieldsAreNamed() {
        assertThatThrownBy(() -> ClassifyResult.SERDE.deserialize("t", "{\"requestId\":\"r\"}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("'schemaVersion'");
        assertThatThrownBy(() -> ClassifyResult.SERDE.deserialize("t", "{\"schemaVersion\":1,".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> ClassifyResult.SERDE.deserialize("t", "{\"schemaVersion\":1,\"label\":\"x\"}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("requestId");
        assertThatThrownBy(() -> TrainingRequest.SERDE.deserialize("t",
                "{\"schemaVersion\":1,\"jobId\":\"j\",\"model\":\"m\",\"preset\":\"small-vgg\",\"inputShape\":\"150x150\",\"batchSize\":1,\"epochs\":1,\"seed\":1}"
                        .getBytes())).isInstanceOf(SerializationException.class).hasMessageContaining("inputShape");
        assertThatThrownBy(() -> ModelVersion.SERDE.deserialize("t", "[1,2]".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("JSON object");
    }

    @Test
    void nullsPassThrough() {
        assertThat(ClassifyResult.SERDE.serialize("t", null)).isNull();
        assertThat(ClassifyResult.SERDE.deserialize("t", null)).isNull();
    }

    private static <T extends Versioned> T roundTrip(JsonSerde<T> serde, T value) {
        return serde.deserialize("t", serde.serialize("t", value));
    }

    /** The fingerprint the imaging module's preprocessor gives a shape (common cannot see that module). */
    private static PreprocessFingerprint fingerprint(ImageShape shape) {
        return new PreprocessFingerprint(shape, "area-linear", "unit", 1);
    }
}
