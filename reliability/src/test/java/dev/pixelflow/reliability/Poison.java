package dev.pixelflow.reliability;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Generated corruptions of real photos, the kinds of bad input a worker meets in the wild. Some (bit flips,
 * truncations) may still decode into an image; the invariants only demand that each input ends up exactly once
 * somewhere, while {@link #mustBeRejected()} kinds must never be taken for an image.
 */
enum Poison {
    /** The first 5..60 % of a JPEG. */
    TRUNCATED(false),
    /** 32 random bytes after the header XOR-ed with random values. */
    BIT_FLIPS(false),
    /** A PNG signature in front of a JPEG body. */
    WRONG_HEADER(true),
    /** A JPEG whose frame header claims 65,000 × 65,000 pixels (a decompression bomb). */
    HUGE_DIMENSIONS(true),
    /** Zero bytes. */
    EMPTY(true),
    /** Text and random bytes. */
    NOT_AN_IMAGE(true);

    private final boolean mustBeRejected;

    Poison(boolean mustBeRejected) {
        this.mustBeRejected = mustBeRejected;
    }

    boolean mustBeRejected() {
        return mustBeRejected;
    }

    byte[] apply(byte[] jpeg, Random random) {
        return switch (this) {
            case TRUNCATED -> Arrays.copyOf(jpeg, Math.max(1, (int) (jpeg.length * (0.05 + 0.55 * random.nextDouble()))));
            case BIT_FLIPS -> {
                byte[] out = jpeg.clone();
                for (int i = 0; i < 32; i++) {
                    int at = 20 + random.nextInt(out.length - 20);
                    out[at] ^= (byte) (1 + random.nextInt(255));
                }
                yield out;
            }
            case WRONG_HEADER -> {
                byte[] out = jpeg.clone();
                byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
                System.arraycopy(png, 0, out, 0, png.length);
                yield out;
            }
            case HUGE_DIMENSIONS -> hugeFrame(jpeg);
            case EMPTY -> new byte[0];
            case NOT_AN_IMAGE -> {
                byte[] text = ("not an image #" + random.nextInt() + " ").getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[text.length + 200 + random.nextInt(2000)];
                random.nextBytes(out);
                System.arraycopy(text, 0, out, 0, text.length);
                yield out;
            }
        };
    }

    /** Patches the height and width of the first SOF0/SOF2 frame header to 65,000. */
    private static byte[] hugeFrame(byte[] jpeg) {
        byte[] out = jpeg.clone();
        for (int i = 2; i + 8 < out.length; i++) {
            if ((out[i] & 0xff) == 0xff && ((out[i + 1] & 0xff) == 0xc0 || (out[i + 1] & 0xff) == 0xc2)) {
                // FFC0, length (2), precision (1), height (2), width (2)
                out[i + 5] = (byte) 0xfd;
                out[i + 6] = (byte) 0xe8;
                out[i + 7] = (byte) 0xfd;
                out[i + 8] = (byte) 0xe8;
                return out;
            }
        }
        throw new IllegalArgumentException("no SOF0/SOF2 frame header in a " + jpeg.length + "-byte JPEG");
    }
}
