package dev.pixelflow.ingest;

import dev.pixelflow.common.image.ImageException;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.common.message.TensorRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns one {@code images.raw} record into a tensor record, or says why it cannot. Pure function of the
 * record and the settings (no Kafka I/O), so it runs on any decode thread and is tested without a broker.
 */
final class RawImageConverter {
    private final ImagePreprocessor preprocessor;
    private final SplitPolicy splits;
    private final ImageShape defaultShape;
    private final boolean requireLabel;

    RawImageConverter(ImagePreprocessor preprocessor, SplitPolicy splits, ImageShape defaultShape, boolean requireLabel) {
        this.preprocessor = preprocessor;
        this.splits = splits;
        this.defaultShape = defaultShape;
        this.requireLabel = requireLabel;
    }

    Conversion convert(ConsumerRecord<String, byte[]> record) {
        String label = MessageHeaders.text(record.headers(), MessageHeaders.LABEL);
        if (label == null && requireLabel) {
            return new Conversion.Rejected("missing-label", "validation",
                    "no 'label' header; training images need a label (or set PIXELFLOW_REQUIRE_LABEL=false)");
        }
        int labelIndex = -1;
        String indexText = MessageHeaders.text(record.headers(), MessageHeaders.LABEL_INDEX);
        if (indexText != null) {
            try {
                labelIndex = Integer.parseInt(indexText);
            } catch (NumberFormatException e) {
                labelIndex = -2;
            }
            if (labelIndex < 0 || label == null) {
                return new Conversion.Rejected("bad-label-index", "validation",
                        "'label-index' must be a non-negative integer beside a 'label', got '" + indexText + "'");
            }
        }
        ImageShape shape = defaultShape;
        String size = MessageHeaders.text(record.headers(), MessageHeaders.TARGET_SIZE);
        if (size != null) {
            try {
                shape = ImageShape.parse(size);
            } catch (IllegalArgumentException e) {
                return new Conversion.Rejected("bad-target-size", "validation", "'target-size' header: " + e.getMessage());
            }
        }
        byte[] bytes = record.value() == null ? new byte[0] : record.value();
        try {
            byte[] pixels = preprocessor.toHwc(bytes, shape);
            byte[] hash = ContentHash.sha256(bytes);
            return new Conversion.Converted(new TensorRecord(ImagePreprocessor.fingerprint(shape), labelIndex, label,
                    splits.splitOf(hash), sourceId(record), hash, pixels));
        } catch (ImageException e) {
            return new Conversion.Rejected(e.reason().code(), ImageException.class.getName(), e.getMessage());
        } catch (RuntimeException e) {
            // Not a known kind of bad input; still the input's problem as far as the stream goes: quarantine it.
            return new Conversion.Rejected("unexpected-error", e.getClass().getName(), String.valueOf(e.getMessage()));
        }
    }

    private static String sourceId(ConsumerRecord<String, byte[]> record) {
        String name = MessageHeaders.text(record.headers(), MessageHeaders.FILENAME);
        if (name != null) {
            return name;
        }
        if (record.key() != null && !record.key().isBlank()) {
            return record.key();
        }
        return record.topic() + "/" + record.partition() + "/" + record.offset();
    }
}
