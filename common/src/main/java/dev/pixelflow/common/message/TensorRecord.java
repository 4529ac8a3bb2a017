package dev.pixelflow.common.message;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import java.util.Arrays;
import java.util.Objects;

/**
 * One preprocessed image of the training set, as it travels on {@code tensors}: uint8 pixels in HWC order,
 * never floats (4× smaller, and exact). Binary on the wire, see {@link TensorRecordSerde}.
 *
 * @param labelIndex  index into the dataset's class names, or -1 when unlabelled
 * @param labelName   class name, or null when unlabelled
 * @param sourceId    where the image came from (file name, producer's key)
 * @param contentHash sha256 of the original encoded bytes (32 bytes)
 * @param pixels      uint8 HWC, length {@code shape.length()}
 */
public record TensorRecord(PreprocessFingerprint fingerprint, int labelIndex, String labelName, Split split,
                           String sourceId, byte[] contentHash, byte[] pixels) {
    public static final int SCHEMA_VERSION = 1;

    public TensorRecord {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(contentHash, "contentHash");
        Objects.requireNonNull(pixels, "pixels");
        if (contentHash.length != 32) {
            throw new IllegalArgumentException("contentHash must be 32 bytes (sha256), got " + contentHash.length);
        }
        if (pixels.length != fingerprint.shape().length()) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " values, shape " + fingerprint.shape()
                    + " needs " + fingerprint.shape().length());
        }
        if (labelIndex < -1) {
            throw new IllegalArgumentException("labelIndex must be >= -1, got " + labelIndex);
        }
    }

    public ImageShape shape() {
        return fingerprint.shape();
    }

    /** Record key on {@code tensors}: one image at one preprocessing is one record after compaction. */
    public String key() {
        return keyOf(contentHash, fingerprint);
    }

    public static String keyOf(byte[] contentHash, PreprocessFingerprint fingerprint) {
        return ContentHash.hex(contentHash) + "@" + fingerprint.id();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorRecord t && fingerprint.equals(t.fingerprint) && labelIndex == t.labelIndex
                && Objects.equals(labelName, t.labelName) && split == t.split && sourceId.equals(t.sourceId)
                && Arrays.equals(contentHash, t.contentHash) && Arrays.equals(pixels, t.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fingerprint, labelIndex, labelName, split, sourceId, Arrays.hashCode(contentHash));
    }

    @Override
    public String toString() {
        return "TensorRecord[" + sourceId + " " + fingerprint.id() + " label=" + labelName + " split=" + split + "]";
    }
}
