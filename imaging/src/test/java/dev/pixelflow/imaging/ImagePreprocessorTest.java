package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageException;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImageFormat;
import dev.pixelflow.common.image.ImageHeader;

import dev.pixelflow.common.image.ImageException.Reason;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

class ImagePreprocessorTest {
    private static final ImageShape RGB_150 = ImageShape.parse("150x150x3");
    private static final ImageShape GRAY_28 = ImageShape.parse("28x28x1");
    private final ImagePreprocessor preprocessor = new ImagePreprocessor(ImageLimits.defaults());

    @Test
    void fingerprintNamesTheCurrentBehaviour() {
        assertThat(ImagePreprocessor.fingerprint(RGB_150).id()).isEqualTo("150x150x3/area-linear/unit/v1");
        assertThat(ImagePreprocessor.fingerprint(RGB_150)).isEqualTo(ImagePreprocessor.fingerprint(RGB_150));
    }

    @Test
    void realPhotoBecomes150x150RgbWithTheSameColours() throws Exception {
        byte[] jpeg = TestImages.photo("cat.2000.jpg");
        assertThat(preprocessor.probe(jpeg)).isEqualTo(new ImageHeader(ImageFormat.JPEG, 200, 200));

        byte[] hwc = preprocessor.toHwc(jpeg, RGB_150);

        assertThat(hwc).hasSize(150 * 150 * 3);
        // Channel means survive an area resize; comparing them per channel catches a BGR/RGB mix-up.
        double[] expected = TestImages.meanRgb(TestImages.read(jpeg));
        double[] actual = TestImages.meanHwc(hwc, 3);
        assertThat(Math.abs(expected[0] - expected[2])).as("test photo must tell red from blue").isGreaterThan(5);
        for (int c = 0; c < 3; c++) {
            assertThat(actual[c]).as("channel %d mean", c).isCloseTo(expected[c], within(1.5));
        }
    }

    @Test
    void realPhotoBecomes28x28Gray() throws Exception {
        byte[] jpeg = TestImages.photo("dog.2000.jpg");

        byte[] hwc = preprocessor.toHwc(jpeg, GRAY_28);

        assertThat(hwc).hasSize(28 * 28);
        double[] rgb = TestImages.meanRgb(TestImages.read(jpeg));
        double luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
        assertThat(TestImages.meanHwc(hwc, 1)[0]).isCloseTo(luma, within(2.0));
    }

    @Test
    void fashionMnistSizedGrayPngRoundTripsExactly() throws Exception {
        byte[] pixels = new byte[28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) ((i * 37) ^ (i >> 3));
        }
        byte[] png = ImageEncoder.png(pixels, GRAY_28);

        assertThat(preprocessor.probe(png)).isEqualTo(new ImageHeader(ImageFormat.PNG, 28, 28));
        assertThat(preprocessor.toHwc(png, GRAY_28)).isEqualTo(pixels);
    }

    @Test
    void enlargingWorksToo() throws Exception {
        byte[] png = ImageEncoder.png(new byte[28 * 28], GRAY_28);

        byte[] hwc = preprocessor.toHwc(png, RGB_150);

        assertThat(hwc).hasSize(150 * 150 * 3).containsOnly((byte) 0);
    }

    @Test
    void pngBmpAndGifOfARealPhotoDecodeLikeEachOther() throws Exception {
        BufferedImage photo = TestImages.read(TestImages.photo("cat.2003.jpg"));
        byte[] png = TestImages.encode(photo, "png");
        byte[] bmp = TestImages.encode(photo, "bmp");
        byte[] gif = TestImages.encode(photo, "gif");

        assertThat(preprocessor.probe(png)).isEqualTo(new ImageHeader(ImageFormat.PNG, 200, 200));
        assertThat(preprocessor.probe(bmp)).isEqualTo(new ImageHeader(ImageFormat.BMP, 200, 200));
        assertThat(preprocessor.probe(gif)).isEqualTo(new ImageHeader(ImageFormat.GIF, 200, 200));
        for (ImageShape shape : List.of(RGB_150, GRAY_28)) {
            byte[] fromPng = preprocessor.toHwc(png, shape);
            byte[] fromBmp = preprocessor.toHwc(bmp, shape);
            byte[] fromGif = preprocessor.toHwc(gif, shape);
            assertThat(fromBmp).as("lossless formats agree exactly at %s", shape).isEqualTo(fromPng);
            // GIF keeps at most 256 colours, so only close.
            assertThat(TestImages.meanAbsDiff(fromGif, fromPng)).as("GIF vs PNG at %s", shape).isLessThan(12);
        }
    }

    @Test
    void rgbPngWrittenByTheEncoderRoundTripsExactly() throws Exception {
        byte[] hwc = preprocessor.toHwc(TestImages.photo("dog.2001.jpg"), RGB_150);

        assertThat(preprocessor.toHwc(ImageEncoder.png(hwc, RGB_150), RGB_150)).isEqualTo(hwc);
    }

    // ---- refused inputs: each with its own reason

    @Test
    void emptyInput() {
        assertReason(new byte[0], Reason.EMPTY, "0 bytes");
        assertReason(null, Reason.EMPTY, "0 bytes");
    }

    @Test
    void truncatedJpeg() {
        byte[] jpeg = TestImages.photo("cat.2000.jpg");

        assertReason(Arrays.copyOf(jpeg, jpeg.length * 6 / 10), Reason.TRUNCATED, "FFD9");
    }

    @Test
    void randomBytes() {
        byte[] noise = new byte[5000];
        new Random(42).nextBytes(noise);

        assertReason(noise, Reason.UNSUPPORTED_FORMAT, "not a JPEG, PNG, BMP or GIF");
    }

    @Test
    void textFile() {
        byte[] text = "label,path\ncat,cat.1.jpg\ndog,dog.1.jpg\n".getBytes(StandardCharsets.UTF_8);

        assertReason(text, Reason.UNSUPPORTED_FORMAT, "not a JPEG, PNG, BMP or GIF");
    }

    @Test
    void pngClaiming100000x100000IsRefusedByTheProbe() {
        byte[] bomb = pngWithHeaderOnly(100_000, 100_000);

        ImageException e = catchThrowableOfType(ImageException.class, () -> preprocessor.probe(bomb));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        assertThat(e.code()).isEqualTo("too-many-pixels");
        assertThat(e.getMessage()).contains("100000x100000 = 10000000000 pixels, limit 40000000");
        assertReason(bomb, Reason.TOO_MANY_PIXELS, "limit 40000000");
    }

    @Test
    void moreBytesThanTheLimit() {
        ImagePreprocessor small = new ImagePreprocessor(new ImageLimits(1000, ImageLimits.DEFAULT_MAX_PIXELS));
        byte[] jpeg = TestImages.photo("cat.2000.jpg");

        ImageException e = catchThrowableOfType(ImageException.class, () -> small.toHwc(jpeg, RGB_150));

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).isEqualTo("image is " + jpeg.length + " bytes, limit 1000");
    }

    @Test
    void pngWithDamagedPixelDataIsCorrupt() {
        byte[] png = TestImages.encode(TestImages.read(TestImages.photo("cat.2000.jpg")), "png");
        byte[] damaged = png.clone();
        for (int i = png.length / 2; i < png.length / 2 + 64; i++) {
            damaged[i] = (byte) 0x5A; // chunk structure intact, IDAT zlib data and CRC not
        }

        assertReason(damaged, Reason.CORRUPT, "could not be decoded");
    }

    @Test
    void codesAreStable() {
        assertThat(Arrays.stream(Reason.values()).map(Reason::code)).containsExactly(
                "empty", "too-large", "too-many-pixels", "unsupported-format", "corrupt", "truncated");
        assertThat(Reason.ofCode("truncated")).isEqualTo(Reason.TRUNCATED);
    }

    // ---- concurrency and native memory

    @Test
    void manyThreadsGiveTheSameBytesAsOne() throws Exception {
        List<byte[]> photos = TestImages.photos(200);
        List<byte[]> expected = new ArrayList<>();
        for (byte[] photo : photos) {
            expected.add(preprocessor.toHwc(photo, RGB_150));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<byte[]>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int start = t * 50; // each thread walks the photos from a different place
                results.add(pool.submit(() -> {
                    List<byte[]> out = new ArrayList<>(java.util.Collections.nCopies(photos.size(), (byte[]) null));
                    for (int k = 0; k < photos.size(); k++) {
                        int i = (start + k) % photos.size();
                        out.set(i, preprocessor.toHwc(photos.get(i), RGB_150));
                    }
                    return out;
                }));
            }
            for (Future<List<byte[]>> result : results) {
                List<byte[]> actual = result.get();
                for (int i = 0; i < photos.size(); i++) {
                    assertThat(actual.get(i)).as("photo %d", i).isEqualTo(expected.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tenThousandDecodesLeakNoNativeMemory() throws Exception {
        ImageShape source = ImageShape.parse("96x96x3");
        byte[] png = ImageEncoder.png(preprocessor.toHwc(TestImages.photo("dog.2002.jpg"), source), source);
        byte[] bmp = TestImages.encode(TestImages.read(png), "bmp"); // BMP: decoding is nearly a copy, so the loop is quick
        ImageShape target = ImageShape.parse("32x32x3");
        for (int i = 0; i < 500; i++) { // warm up: JIT, OpenCV's thread pool and allocator caches
            preprocessor.toHwc(bmp, target);
        }
        long trackedBefore = Pointer.totalBytes();
        long countBefore = Pointer.totalCount();
        long residentBefore = Pointer.physicalBytes();

        for (int i = 0; i < 10_000; i++) {
            preprocessor.toHwc(bmp, target);
        }

        // A leaking call would keep at least the 27 KB of decoded pixels: 270 MB over the loop. The bound
        // leaves room for the Java heap, which also counts in the resident size.
        assertThat(Pointer.totalCount()).as("native objects JavaCPP still tracks").isEqualTo(countBefore);
        assertThat(Pointer.totalBytes()).as("bytes JavaCPP still tracks").isEqualTo(trackedBefore);
        assertThat(Pointer.physicalBytes() - residentBefore).as("resident growth").isLessThan(80L * 1024 * 1024);
    }

    // ---- float conversion

    @Test
    void unitFloatsInBothLayouts() {
        ImageShape shape = new ImageShape(1, 2, 3);
        byte[] hwc = {0, 51, (byte) 255, 102, (byte) 153, (byte) 204}; // pixel 0 = (0,51,255), pixel 1 = (102,153,204)

        assertThat(ImagePreprocessor.toUnitFloat(hwc, shape, false))
                .containsExactly(0f, 51 / 255f, 1f, 102 / 255f, 153 / 255f, 204 / 255f);
        assertThat(ImagePreprocessor.toUnitFloat(hwc, shape, true))
                .containsExactly(0f, 102 / 255f, 51 / 255f, 153 / 255f, 1f, 204 / 255f);

        float[] batch = new float[2 + 6];
        ImagePreprocessor.toUnitFloat(hwc, shape, batch, 2, true);
        assertThat(batch).containsExactly(0f, 0f, 0f, 102 / 255f, 51 / 255f, 153 / 255f, 1f, 204 / 255f);
        assertThatThrownBy(() -> ImagePreprocessor.toUnitFloat(hwc, shape, new float[7], 2, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room");
    }

    // ---- helpers

    private void assertReason(byte[] encoded, Reason reason, String messagePart) {
        ImageException e = catchThrowableOfType(ImageException.class, () -> preprocessor.toHwc(encoded, RGB_150));
        assertThat(e).as("expected %s", reason).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e.getMessage()).contains(messagePart);
    }

    /** A structurally valid PNG (signature, IHDR, IEND, correct CRCs) with no pixel data. */
    static byte[] pngWithHeaderOnly(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(b, "IHDR", ihdr.array());
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        b.putInt(data.length).put(typeBytes).put(data).putInt((int) crc.getValue());
    }
}
