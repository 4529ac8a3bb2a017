package dev.pixelflow.common.image;

import dev.pixelflow.common.image.ImageException.Reason;

import java.util.Objects;
import java.util.Optional;

/**
 * Reads format and size from an encoded image's header, without decoding, and refuses it early:
 * empty, too many bytes, unknown format, a header claiming more pixels than allowed, or a file that
 * visibly ends too soon. The truncation checks matter because decoders are lenient: OpenCV turns a
 * JPEG cut in half into a picture with a grey lower half rather than an error.
 *
 * <p>Only structure is walked (segment, chunk and block lengths), never compressed data, so a probe
 * costs microseconds and allocates nothing but the result.
 */
public final class ImageProbe {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] GIF87 = {'G', 'I', 'F', '8', '7', 'a'};
    private static final byte[] GIF89 = {'G', 'I', 'F', '8', '9', 'a'};

    private final ImageLimits limits;

    public ImageProbe(ImageLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public ImageLimits limits() {
        return limits;
    }

    /**
     * Format and size of {@code encoded}, after every check that needs no decoding.
     *
     * @throws ImageException EMPTY, TOO_LARGE, UNSUPPORTED_FORMAT, TOO_MANY_PIXELS, CORRUPT or TRUNCATED
     */
    public ImageHeader probe(byte[] encoded) throws ImageException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageException(Reason.EMPTY, "image is empty (0 bytes)");
        }
        if (encoded.length > limits.maxEncodedBytes()) {
            throw new ImageException(Reason.TOO_LARGE,
                    "image is " + encoded.length + " bytes, limit " + limits.maxEncodedBytes());
        }
        Optional<ImageFormat> format = format(encoded);
        if (format.isPresent()) {
            return switch (format.get()) {
                case JPEG -> jpeg(encoded);
                case PNG -> png(encoded);
                case GIF -> gif(encoded);
                case BMP -> bmp(encoded);
            };
        }
        if (isProperPrefixOfMagic(encoded)) {
            throw new ImageException(Reason.TRUNCATED,
                    "image is " + encoded.length + " bytes, too short to hold even an image header");
        }
        throw new ImageException(Reason.UNSUPPORTED_FORMAT,
                "not a JPEG, PNG, BMP or GIF image (first bytes " + hexPrefix(encoded) + ")");
    }

    /**
     * The format {@code encoded} starts like, from its magic bytes alone (no size or structure check): enough
     * to pass over files that are not images while walking a folder.
     */
    public static Optional<ImageFormat> format(byte[] encoded) {
        if (startsWith(encoded, JPEG_MAGIC)) {
            return Optional.of(ImageFormat.JPEG);
        }
        if (startsWith(encoded, PNG_MAGIC)) {
            return Optional.of(ImageFormat.PNG);
        }
        if (startsWith(encoded, GIF87) || startsWith(encoded, GIF89)) {
            return Optional.of(ImageFormat.GIF);
        }
        if (looksLikeBmp(encoded)) {
            return Optional.of(ImageFormat.BMP);
        }
        return Optional.empty();
    }

    // ---- PNG: signature, IHDR first, then chunks (length, type, data, CRC) up to IEND.

    private ImageHeader png(byte[] b) throws ImageException {
        if (b.length < 8 + 8 + 13) {
            throw truncated(ImageFormat.PNG, "file ends inside the IHDR header (" + b.length + " bytes)");
        }
        long ihdrLength = u32be(b, 8);
        if (ihdrLength != 13 || !isChunkType(b, 12, "IHDR")) {
            throw corrupt(ImageFormat.PNG, "first chunk is not a 13-byte IHDR");
        }
        long width = u32be(b, 16);
        long height = u32be(b, 20);
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw corrupt(ImageFormat.PNG, "IHDR declares an impossible size " + width + "x" + height);
        }
        checkPixels(ImageFormat.PNG, width, height);
        int pos = 8;
        while (true) {
            if (pos + 8 > b.length) {
                throw truncated(ImageFormat.PNG, "no IEND chunk; file ends at byte " + b.length);
            }
            long length = u32be(b, pos);
            if (length > Integer.MAX_VALUE) {
                throw corrupt(ImageFormat.PNG, "chunk at byte " + pos + " declares length " + length);
            }
            long next = pos + 12L + length;
            if (next > b.length) {
                throw truncated(ImageFormat.PNG, "chunk " + chunkName(b, pos + 4) + " at byte " + pos + " needs "
                        + next + " bytes, file has " + b.length);
            }
            if (isChunkType(b, pos + 4, "IEND")) {
                return new ImageHeader(ImageFormat.PNG, (int) width, (int) height);
            }
            pos = (int) next;
        }
    }

    // ---- JPEG: marker segments up to the first SOS; the frame header (SOFn) holds the size.

    private ImageHeader jpeg(byte[] b) throws ImageException {
        int pos = 2;
        int width = -1;
        int height = -1;
        while (true) {
            // libjpeg skips stray bytes between segments with a warning; so do we, to refuse no more than it does.
            while (pos < b.length && (b[pos] & 0xFF) != 0xFF) {
                pos++;
            }
            while (pos < b.length && (b[pos] & 0xFF) == 0xFF) {
                pos++;
            }
            if (pos >= b.length) {
                throw truncated(ImageFormat.JPEG, "file ends before the scan data (" + b.length + " bytes)");
            }
            int marker = b[pos++] & 0xFF;
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // standalone markers carry no length
            }
            if (marker == 0xD8 || marker == 0xD9) {
                throw corrupt(ImageFormat.JPEG, String.format("unexpected marker FF%02X before the scan data", marker));
            }
            if (pos + 2 > b.length) {
                throw truncated(ImageFormat.JPEG, "file ends inside a marker segment (" + b.length + " bytes)");
            }
            int length = u16be(b, pos);
            if (length < 2) {
                throw corrupt(ImageFormat.JPEG, String.format("marker FF%02X has length %d", marker, length));
            }
            if (isStartOfFrame(marker)) {
                if (length < 8 || pos + 7 > b.length) {
                    throw truncated(ImageFormat.JPEG, "file ends inside the frame header");
                }
                height = u16be(b, pos + 3);
                width = u16be(b, pos + 5);
                if (width == 0 || height == 0) {
                    // height 0 means "given later by a DNL marker", which libjpeg does not support either
                    throw corrupt(ImageFormat.JPEG, "frame header declares size " + width + "x" + height);
                }
                checkPixels(ImageFormat.JPEG, width, height);
            } else if (marker == 0xDA) {
                if (width < 0) {
                    throw corrupt(ImageFormat.JPEG, "scan data starts before any frame header (SOFn)");
                }
                requireJpegEnd(b, pos);
                return new ImageHeader(ImageFormat.JPEG, width, height);
            }
            pos += length;
        }
    }

    /**
     * The last FFD9 must lie after the first scan starts. Entropy-coded data cannot contain FFD9
     * (an FF there is always followed by 00 or a restart marker), so searching backwards finds the real
     * EOI even when an application appended bytes after it, and an EXIF thumbnail's EOI does not count.
     */
    private static void requireJpegEnd(byte[] b, int scanStart) throws ImageException {
        for (int i = b.length - 2; i >= scanStart; i--) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
                return;
            }
        }
        throw truncated(ImageFormat.JPEG, "no end-of-image marker (FFD9) after the scan data; file ends at byte " + b.length);
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    // ---- GIF: logical screen descriptor, then extension and image blocks up to the trailer (3B).

    private ImageHeader gif(byte[] b) throws ImageException {
        if (b.length < 13) {
            throw truncated(ImageFormat.GIF, "file ends inside the logical screen descriptor (" + b.length + " bytes)");
        }
        int width = u16le(b, 6);
        int height = u16le(b, 8);
        if (width == 0 || height == 0) {
            throw corrupt(ImageFormat.GIF, "logical screen declares size " + width + "x" + height);
        }
        checkPixels(ImageFormat.GIF, width, height);
        int pos = 13 + colourTableBytes(b[10]);
        int frames = 0;
        while (true) {
            if (pos >= b.length) {
                throw truncated(ImageFormat.GIF, "no trailer (3B); file ends at byte " + b.length);
            }
            int block = b[pos] & 0xFF;
            if (block == 0x3B) {
                if (frames == 0) {
                    throw corrupt(ImageFormat.GIF, "file holds no image");
                }
                return new ImageHeader(ImageFormat.GIF, width, height);
            } else if (block == 0x21) {
                pos = skipSubBlocks(b, pos + 2);
            } else if (block == 0x2C) {
                if (pos + 10 > b.length) {
                    throw truncated(ImageFormat.GIF, "file ends inside an image descriptor");
                }
                // Frames may be larger than the logical screen, and the decoder allocates per frame.
                checkPixels(ImageFormat.GIF, u16le(b, pos + 5), u16le(b, pos + 7));
                pos += 10 + colourTableBytes(b[pos + 9]);
                pos = skipSubBlocks(b, pos + 1); // +1: LZW minimum code size
                frames++;
            } else {
                throw corrupt(ImageFormat.GIF, String.format("unknown block %02X at byte %d", block, pos));
            }
        }
    }

    private static int colourTableBytes(byte flags) {
        return (flags & 0x80) == 0 ? 0 : 3 * (1 << ((flags & 0x07) + 1));
    }

    private static int skipSubBlocks(byte[] b, int pos) throws ImageException {
        while (true) {
            if (pos >= b.length) {
                throw truncated(ImageFormat.GIF, "file ends inside a data block at byte " + b.length);
            }
            int size = b[pos] & 0xFF;
            pos += 1 + size;
            if (size == 0) {
                return pos;
            }
        }
    }

    // ---- BMP: file header, DIB header, uncompressed rows of 4-byte-aligned pixels.

    private static boolean looksLikeBmp(byte[] b) {
        // "BM" alone is too weak (any text may start so); the four reserved bytes must be zero.
        return b.length >= 10 && b[0] == 'B' && b[1] == 'M' && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0;
    }

    private ImageHeader bmp(byte[] b) throws ImageException {
        if (b.length < 18) {
            throw truncated(ImageFormat.BMP, "file ends inside the headers (" + b.length + " bytes)");
        }
        long dataOffset = u32le(b, 10);
        long dibSize = u32le(b, 14);
        long width;
        long height;
        int bitsPerPixel;
        long compression;
        if (dibSize == 12) { // OS/2 BITMAPCOREHEADER
            if (b.length < 26) {
                throw truncated(ImageFormat.BMP, "file ends inside the DIB header (" + b.length + " bytes)");
            }
            width = u16le(b, 18);
            height = u16le(b, 20);
            bitsPerPixel = u16le(b, 24);
            compression = 0;
        } else if (dibSize >= 16 && dibSize <= 124) {
            if (b.length < 34) {
                throw truncated(ImageFormat.BMP, "file ends inside the DIB header (" + b.length + " bytes)");
            }
            width = (int) u32le(b, 18);
            height = (int) u32le(b, 22);
            bitsPerPixel = u16le(b, 28);
            compression = dibSize >= 20 ? u32le(b, 30) : 0;
        } else {
            throw corrupt(ImageFormat.BMP, "unknown DIB header size " + dibSize);
        }
        height = Math.abs(height); // negative height means rows are stored top-down
        if (width < 1 || height < 1) {
            throw corrupt(ImageFormat.BMP, "header declares size " + width + "x" + height);
        }
        checkPixels(ImageFormat.BMP, width, height);
        if (bitsPerPixel != 1 && bitsPerPixel != 4 && bitsPerPixel != 8 && bitsPerPixel != 16 && bitsPerPixel != 24
                && bitsPerPixel != 32) {
            throw corrupt(ImageFormat.BMP, "unsupported " + bitsPerPixel + " bits per pixel");
        }
        if (dataOffset < 14 + dibSize) {
            throw corrupt(ImageFormat.BMP, "pixel data offset " + dataOffset + " lies inside the headers");
        }
        boolean uncompressed = compression == 0 || compression == 3 || compression == 6;
        long needed = uncompressed ? dataOffset + ((bitsPerPixel * width + 31) / 32) * 4 * height : dataOffset + 1;
        if (needed > b.length) {
            throw truncated(ImageFormat.BMP, "pixel data needs " + needed + " bytes, file has " + b.length);
        }
        return new ImageHeader(ImageFormat.BMP, (int) width, (int) height);
    }

    // ---- shared helpers

    private void checkPixels(ImageFormat format, long width, long height) throws ImageException {
        long pixels = width * height; // both < 2^31, so no overflow
        if (pixels > limits.maxPixels()) {
            throw new ImageException(Reason.TOO_MANY_PIXELS, format + " image is " + width + "x" + height + " = "
                    + pixels + " pixels, limit " + limits.maxPixels());
        }
    }

    private static ImageException corrupt(ImageFormat format, String detail) {
        return new ImageException(Reason.CORRUPT, format + " header is corrupt: " + detail);
    }

    private static ImageException truncated(ImageFormat format, String detail) {
        return new ImageException(Reason.TRUNCATED, format + " image is truncated: " + detail);
    }

    private static boolean startsWith(byte[] b, byte[] magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** At least two bytes that start a known signature but stop before it ends: an image cut short. */
    private static boolean isProperPrefixOfMagic(byte[] b) {
        if (b.length < 2) {
            return false;
        }
        for (byte[] magic : new byte[][] {PNG_MAGIC, JPEG_MAGIC, GIF87, GIF89}) {
            if (b.length < magic.length && java.util.Arrays.equals(b, 0, b.length, magic, 0, b.length)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isChunkType(byte[] b, int pos, String type) {
        for (int i = 0; i < 4; i++) {
            if (b[pos + i] != type.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String chunkName(byte[] b, int pos) {
        StringBuilder s = new StringBuilder(4);
        for (int i = 0; i < 4 && pos + i < b.length; i++) {
            int c = b[pos + i] & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.toString();
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            if (i > 0) {
                s.append(' ');
            }
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return s.toString();
    }

    private static long u32be(byte[] b, int pos) {
        return ((long) (b[pos] & 0xFF) << 24) | ((b[pos + 1] & 0xFF) << 16) | ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
    }

    private static int u16be(byte[] b, int pos) {
        return ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
    }

    private static long u32le(byte[] b, int pos) {
        return ((long) (b[pos + 3] & 0xFF) << 24) | ((b[pos + 2] & 0xFF) << 16) | ((b[pos + 1] & 0xFF) << 8) | (b[pos] & 0xFF);
    }

    private static int u16le(byte[] b, int pos) {
        return ((b[pos + 1] & 0xFF) << 8) | (b[pos] & 0xFF);
    }
}
