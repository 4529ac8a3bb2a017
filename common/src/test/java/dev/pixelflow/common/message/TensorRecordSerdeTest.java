package dev.pixelflow.common.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class TensorRecordSerdeTest {
    private final TensorRecordSerde serde = new TensorRecordSerde();

    private static TensorRecord record(ImageShape shape, String label) {
        byte[] pixels = new byte[shape.length()];
        new Random(7).nextBytes(pixels);
        byte[] hash = ContentHash.sha256(pixels);
        return new TensorRecord(fingerprint(shape), label == null ? -1 : 1, label, Split.VALIDATION,
                "dog.123.jpg", hash, pixels);
    }

    @Test
    void roundTripsAReferenceSizedRecordAtAboutItsPixelSize() {
        TensorRecord r = record(new ImageShape(150, 150, 3), "dog");
        byte[] bytes = serde.serialize("t", r);
        assertThat(bytes.length).isBetween(67_500, 67_700);
        TensorRecord back = serde.deserialize("t", bytes);
        assertThat(back).isEqualTo(r);
        assertThat(back.key()).isEqualTo(r.key()).startsWith(ContentHash.hex(r.contentHash())).endsWith("150x150x3/area-linear/unit/v1");
    }

    @Test
    void roundTripsAnUnlabelledGrayscaleRecord() {
        TensorRecord r = record(new ImageShape(28, 28, 1), null);
        TensorRecord back = serde.deserialize("t", serde.serialize("t", r));
        assertThat(back.labelName()).isNull();
        assertThat(back.labelIndex()).isEqualTo(-1);
        assertThat(back).isEqualTo(r);
    }

    @Test
    void nullStaysNull() {
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void unknownSchemaVersionIsNamed() {
        byte[] bytes = serde.serialize("t", record(new ImageShape(4, 4, 1), "x"));
        bytes[4] = 9;
        assertThatThrownBy(() -> serde.deserialize("t", bytes)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown schema version 9");
    }

    @Test
    void truncatedRecordNamesTheField() {
        byte[] bytes = serde.serialize("t", record(new ImageShape(10, 10, 3), "x"));
        assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(bytes, bytes.length - 10)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("pixels");
        assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(bytes, 12)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated in field 'fingerprint'");
        assertThatThrownBy(() -> serde.deserialize("t", new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic");
    }

    @Test
    void foreignBytesAreRefused() {
        assertThatThrownBy(() -> serde.deserialize("t", "{\"json\":true}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("bad magic");
    }

    @Test
    void pixelCountMustMatchTheShape() {
        byte[] hash = new byte[32];
        assertThatThrownBy(() -> new TensorRecord(fingerprint(new ImageShape(2, 2, 3)), 0, "a", Split.TRAIN,
                "s", hash, new byte[11])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12");
    }

    /** The fingerprint the imaging module's preprocessor gives a shape (common cannot see that module). */
    private static PreprocessFingerprint fingerprint(ImageShape shape) {
        return new PreprocessFingerprint(shape, "area-linear", "unit", 1);
    }
}
