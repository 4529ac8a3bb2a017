package dev.pixelflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.testkit.TestDatasets;
import java.nio.file.Files;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RawImageConverterTest {
    private final RawImageConverter converter = new RawImageConverter(new ImagePreprocessor(ImageLimits.defaults()),
            new SplitPolicy(0.2), new ImageShape(150, 150, 3), true);

    private static ConsumerRecord<String, byte[]> record(byte[] value, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.add(headers[i], MessageHeaders.utf8(headers[i + 1]));
        }
        return new ConsumerRecord<>("images.raw", 0, 7L, 0L, TimestampType.CREATE_TIME, 0, value.length, "k", value, h,
                java.util.Optional.empty());
    }

    @Test
    void convertsAPhotoToTheTargetSizeWithItsHashAndLabel() throws Exception {
        byte[] jpg = Files.readAllBytes(TestDatasets.dogsVsCats().resolve("test/dog.2000.jpg"));
        Conversion c = converter.convert(record(jpg, "label", "dog", "filename", "dog.2000.jpg", "target-size", "64x64x3"));
        assertThat(c).isInstanceOf(Conversion.Converted.class);
        var t = ((Conversion.Converted) c).tensor();
        assertThat(t.shape()).isEqualTo(new ImageShape(64, 64, 3));
        assertThat(t.labelName()).isEqualTo("dog");
        assertThat(t.sourceId()).isEqualTo("dog.2000.jpg");
        assertThat(t.contentHash()).isEqualTo(ContentHash.sha256(jpg));
        assertThat(t.split()).isEqualTo(new SplitPolicy(0.2).splitOf(ContentHash.sha256(jpg)));
    }

    @Test
    void rejectsWithAReasonInsteadOfThrowing() throws Exception {
        byte[] jpg = Files.readAllBytes(TestDatasets.dogsVsCats().resolve("test/dog.2000.jpg"));
        assertThat(reason(converter.convert(record(jpg)))).isEqualTo("missing-label");
        assertThat(reason(converter.convert(record(jpg, "label", "dog", "target-size", "big")))).isEqualTo("bad-target-size");
        assertThat(reason(converter.convert(record(jpg, "label", "dog", "label-index", "-3")))).isEqualTo("bad-label-index");
        assertThat(reason(converter.convert(record(new byte[0], "label", "dog")))).isEqualTo("empty");
        assertThat(reason(converter.convert(record("hello".getBytes(), "label", "dog")))).isEqualTo("unsupported-format");
    }

    private static String reason(Conversion c) {
        assertThat(c).isInstanceOf(Conversion.Rejected.class);
        return ((Conversion.Rejected) c).reason();
    }
}
