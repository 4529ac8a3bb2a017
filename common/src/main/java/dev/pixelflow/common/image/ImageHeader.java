package dev.pixelflow.common.image;

import java.util.Objects;

/**
 * What an image's header says, read without decoding: enough to refuse it before allocating pixels.
 *
 * @param format encoded format
 * @param width  width in pixels as stored (EXIF orientation is not applied, as the decoder does not either)
 * @param height height in pixels as stored
 */
public record ImageHeader(ImageFormat format, int width, int height) {
    public ImageHeader {
        Objects.requireNonNull(format, "format");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }

    /** width × height, as a long because a header may declare more than {@code Integer.MAX_VALUE}. */
    public long pixels() {
        return (long) width * height;
    }

    @Override
    public String toString() {
        return format + " " + width + "x" + height;
    }
}
