package dev.pixelflow.common.image;

/**
 * Bounds an input image must respect before it is decoded. Both are checked on the encoded bytes and
 * the header alone, so a hostile or broken upload is refused before any pixel memory is allocated.
 *
 * @param maxEncodedBytes largest accepted encoded file, in bytes
 * @param maxPixels       largest accepted width × height, guarding against decompression bombs
 *                        (a tiny PNG can declare a picture that needs gigabytes once decoded)
 */
public record ImageLimits(int maxEncodedBytes, long maxPixels) {
    /** 20 MiB: larger than any camera JPEG a classifier needs, small enough to hold a few per thread. */
    public static final int DEFAULT_MAX_ENCODED_BYTES = 20 * 1024 * 1024;
    /** 40 megapixels: a modern phone photo fits; decoded as BGR it is at most 120 MB. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    public ImageLimits {
        if (maxEncodedBytes < 1) {
            throw new IllegalArgumentException("maxEncodedBytes must be positive, got " + maxEncodedBytes);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
    }

    public static ImageLimits defaults() {
        return new ImageLimits(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_PIXELS);
    }
}
