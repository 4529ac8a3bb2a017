package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageException;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImageFormat;
import dev.pixelflow.common.image.ImageHeader;
import dev.pixelflow.common.image.ImageProbe;

import dev.pixelflow.common.image.ImageException.Reason;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ImageProbeTest {
    private final ImageProbe probe = new ImageProbe(ImageLimits.defaults());
    private final byte[] jpeg = TestImages.photo("cat.2000.jpg");
    private final byte[] png = TestImages.encode(TestImages.read(jpeg), "png");
    private final byte[] bmp = TestImages.encode(TestImages.read(jpeg), "bmp");
    private final byte[] gif = TestImages.encode(TestImages.read(jpeg), "gif");

    @Test
    void readsSizeFromEveryFormatsHeader() throws Exception {
        assertThat(probe.probe(jpeg)).isEqualTo(new ImageHeader(ImageFormat.JPEG, 200, 200));
        assertThat(probe.probe(png)).isEqualTo(new ImageHeader(ImageFormat.PNG, 200, 200));
        assertThat(probe.probe(bmp)).isEqualTo(new ImageHeader(ImageFormat.BMP, 200, 200));
        assertThat(probe.probe(gif)).isEqualTo(new ImageHeader(ImageFormat.GIF, 200, 200));
        assertThat(probe.probe(ImageEncoder.png(new byte[3 * 5], new ImageShape(3, 5, 1))))
                .isEqualTo(new ImageHeader(ImageFormat.PNG, 5, 3));
    }

    @Test
    void formatComesFromTheMagicBytesAlone() {
        assertThat(ImageProbe.format(Arrays.copyOf(jpeg, 3))).contains(ImageFormat.JPEG);
        assertThat(ImageProbe.format(Arrays.copyOf(png, 8))).contains(ImageFormat.PNG);
        assertThat(ImageProbe.format("GIF89a".getBytes(StandardCharsets.US_ASCII))).contains(ImageFormat.GIF);
        assertThat(ImageProbe.format(Arrays.copyOf(bmp, 10))).contains(ImageFormat.BMP);
        assertThat(ImageProbe.format("BMW owners".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(ImageProbe.format(new byte[0])).isEmpty();
        assertThat(ImageFormat.JPEG.contentType()).isEqualTo("image/jpeg");
    }

    @Test
    void pixelLimitIsInclusive() throws Exception {
        assertThat(new ImageProbe(new ImageLimits(1 << 20, 200 * 200)).probe(jpeg).pixels()).isEqualTo(40_000);
        assertReason(new ImageProbe(new ImageLimits(1 << 20, 200 * 200 - 1)), jpeg, Reason.TOO_MANY_PIXELS,
                "200x200 = 40000 pixels, limit 39999");
    }

    @Test
    void bombsInEveryFormatAreRefusedFromTheHeader() {
        byte[] jpegBomb = jpeg.clone();
        int sof = indexOf(jpegBomb, (byte) 0xFF, (byte) 0xC0);
        putU16be(jpegBomb, sof + 5, 60_000);
        putU16be(jpegBomb, sof + 7, 60_000);
        assertReason(probe, jpegBomb, Reason.TOO_MANY_PIXELS, "JPEG image is 60000x60000 = 3600000000 pixels");

        byte[] gifBomb = gif.clone();
        ByteBuffer.wrap(gifBomb).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 65535).putShort(8, (short) 65535);
        assertReason(probe, gifBomb, Reason.TOO_MANY_PIXELS, "65535x65535");

        byte[] bmpBomb = bmp.clone();
        ByteBuffer.wrap(bmpBomb).order(ByteOrder.LITTLE_ENDIAN).putInt(18, 10_000).putInt(22, -10_000);
        assertReason(probe, bmpBomb, Reason.TOO_MANY_PIXELS, "10000x10000 = 100000000 pixels");

        assertReason(probe, ImagePreprocessorTest.pngWithHeaderOnly(8000, 8000), Reason.TOO_MANY_PIXELS,
                "8000x8000 = 64000000 pixels");
    }

    @Test
    void truncationIsDetectedInEveryFormat() {
        assertReason(probe, Arrays.copyOf(jpeg, jpeg.length - 2), Reason.TRUNCATED, "FFD9");
        assertReason(probe, Arrays.copyOf(jpeg, 300), Reason.TRUNCATED, "JPEG");
        assertReason(probe, Arrays.copyOf(png, png.length * 6 / 10), Reason.TRUNCATED, "PNG image is truncated");
        assertReason(probe, Arrays.copyOf(png, png.length - 12), Reason.TRUNCATED, "no IEND");
        assertReason(probe, Arrays.copyOf(png, 20), Reason.TRUNCATED, "IHDR");
        assertReason(probe, Arrays.copyOf(bmp, bmp.length - 1), Reason.TRUNCATED, "BMP image is truncated");
        assertReason(probe, Arrays.copyOf(gif, gif.length * 6 / 10), Reason.TRUNCATED, "GIF image is truncated");
        assertReason(probe, Arrays.copyOf(png, 4), Reason.TRUNCATED, "too short");
    }

    @Test
    void bytesAfterTheEndOfImageAreAllowed() throws Exception {
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 4096); // some cameras append data after EOI

        assertThat(probe.probe(padded)).isEqualTo(new ImageHeader(ImageFormat.JPEG, 200, 200));
        assertThat(new ImagePreprocessor(ImageLimits.defaults()).toHwc(padded, ImageShape.parse("8x8x3"))).hasSize(192);
    }

    @Test
    void bmpStoredTopDownHasPositiveHeight() throws Exception {
        byte[] topDown = bmp.clone();
        ByteBuffer.wrap(topDown).order(ByteOrder.LITTLE_ENDIAN).putInt(22, -200);

        assertThat(probe.probe(topDown)).isEqualTo(new ImageHeader(ImageFormat.BMP, 200, 200));
    }

    @Test
    void inconsistentHeadersAreCorrupt() {
        byte[] scanFirst = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};
        assertReason(probe, scanFirst, Reason.CORRUPT, "before any frame header");

        byte[] noIhdr = png.clone();
        noIhdr[12] = 'X';
        assertReason(probe, noIhdr, Reason.CORRUPT, "IHDR");

        byte[] zeroWidth = ImagePreprocessorTest.pngWithHeaderOnly(0, 10);
        assertReason(probe, zeroWidth, Reason.CORRUPT, "0x10");
    }

    @Test
    void textStartingLikeABitmapIsNotOne() {
        assertReason(probe, "BMW owners club minutes".getBytes(StandardCharsets.US_ASCII), Reason.UNSUPPORTED_FORMAT,
                "first bytes 42 4d 57");
    }

    private static void assertReason(ImageProbe probe, byte[] encoded, Reason reason, String messagePart) {
        ImageException e = catchThrowableOfType(ImageException.class, () -> probe.probe(encoded));
        assertThat(e).as("expected %s", reason).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e.getMessage()).contains(messagePart);
    }

    private static int indexOf(byte[] b, byte first, byte second) {
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == first && b[i + 1] == second) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }

    private static void putU16be(byte[] b, int pos, int value) {
        b[pos] = (byte) (value >> 8);
        b[pos + 1] = (byte) value;
    }
}
