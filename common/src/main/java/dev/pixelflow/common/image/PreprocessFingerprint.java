package dev.pixelflow.common.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * Everything that decides which numbers a photo becomes. Two tensors are comparable, and a model can
 * serve an image, only when their fingerprints are equal: the fingerprint travels in every tensor
 * record and in every model's metadata. {@code ImagePreprocessor.fingerprint(shape)} gives the current code's.
 *
 * @param shape         target height, width and channels
 * @param resize        resize method name (the imaging module's {@code ImagePreprocessor} names its own)
 * @param normalisation how uint8 becomes float for the network 
 * @param version       version of the preprocessing code's behaviour; bumped when output bytes would change
 */
public record PreprocessFingerprint(ImageShape shape, String resize, String normalisation, int version) {
    public PreprocessFingerprint {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(resize, "resize");
        Objects.requireNonNull(normalisation, "normalisation");
        if (resize.isBlank() || resize.contains("/") || normalisation.isBlank() || normalisation.contains("/")) {
            throw new IllegalArgumentException("resize and normalisation must be non-blank names without '/'");
        }
    }

    /** Compact text form, e.g. {@code 150x150x3/area-linear/unit/v1}; used in record keys and metadata. */
    @JsonValue
    public String id() {
        return shape + "/" + resize + "/" + normalisation + "/v" + version;
    }

    @JsonCreator
    public static PreprocessFingerprint parse(String id) {
        String[] parts = id == null ? new String[0] : id.split("/");
        if (parts.length != 4 || !parts[3].startsWith("v")) {
            throw new IllegalArgumentException("expected fingerprint HxWxC/resize/normalisation/vN, got '" + id + "'");
        }
        return new PreprocessFingerprint(ImageShape.parse(parts[0]), parts[1], parts[2], Integer.parseInt(parts[3].substring(1)));
    }

    @Override
    public String toString() {
        return id();
    }
}
