package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImageException;
import dev.pixelflow.common.image.AugmentSettings;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AugmenterTest {
    private static final ImageShape SHAPE = ImageShape.parse("150x150x3");
    private final byte[] photo;

    AugmenterTest() throws ImageException {
        photo = new ImagePreprocessor(ImageLimits.defaults()).toHwc(TestImages.photo("dog.2000.jpg"), SHAPE);
    }

    @Test
    void noneLeavesTheImageIdentical() {
        byte[] out = new byte[photo.length];

        new Augmenter(AugmentSettings.none()).apply(photo, SHAPE, new SplittableRandom(1), out);

        assertThat(out).isEqualTo(photo);
    }

    @Test
    void defaultsChangeTheImageButNotItsShape() {
        Augmenter augmenter = new Augmenter(AugmentSettings.defaults());
        byte[] out = new byte[photo.length];

        augmenter.apply(photo, SHAPE, new SplittableRandom(7), out);

        assertThat(out).hasSize(SHAPE.length()).isNotEqualTo(photo);
        assertThat(TestImages.meanAbsDiff(out, photo)).isGreaterThan(5);
    }

    @Test
    void sameSeedSameOutputOtherSeedOtherOutput() {
        Augmenter augmenter = new Augmenter(AugmentSettings.defaults());
        byte[] a = new byte[photo.length];
        byte[] b = new byte[photo.length];
        byte[] c = new byte[photo.length];

        augmenter.apply(photo, SHAPE, new SplittableRandom(123), a);
        augmenter.apply(photo, SHAPE, new SplittableRandom(123), b);
        augmenter.apply(photo, SHAPE, new SplittableRandom(124), c);

        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void withoutACropAnImageIsResizedWholeToASmallerDestination() {
        // Left half black, right half white, 16 px wide: at 8 px the halves stay halves, pixel centres aligned.
        ImageShape big = ImageShape.parse("4x16x1");
        ImageShape small = ImageShape.parse("4x8x1");
        byte[] halves = new byte[big.length()];
        for (int y = 0; y < 4; y++) {
            for (int x = 8; x < 16; x++) {
                halves[y * 16 + x] = (byte) 255;
            }
        }
        byte[] out = new byte[small.length()];
        new Augmenter(AugmentSettings.none()).apply(halves, big, new SplittableRandom(1), out, small);
        for (int y = 0; y < 4; y++) {
            assertThat(out[y * 8 + 2] & 0xff).isZero();
            assertThat(out[y * 8 + 5] & 0xff).isEqualTo(255);
            // The pixels beside the edge sample its two sides equally at most: [0..3] dark, [4..7] light.
            assertThat(out[y * 8 + 3] & 0xff).isLessThan(128);
            assertThat(out[y * 8 + 4] & 0xff).isGreaterThanOrEqualTo(128);
        }
    }

    @Test
    void aRandomResizedCropFillsASmallerDestinationFromInsideTheImage() {
        Augmenter augmenter = new Augmenter(AugmentSettings.photos());
        ImageShape crop = ImageShape.parse("96x96x3");
        for (int seed = 0; seed < 20; seed++) {
            double[] map = augmenter.drawCrop(SHAPE, crop, new SplittableRandom(seed));
            // The output's outer pixel edges (0 and 96) map inside the source.
            assertThat(map[2] - (map[0] - 1) / 2).isBetween(-1e-9, SHAPE.width() + 1e-9);
            assertThat(map[0] * 96 + map[2] - (map[0] - 1) / 2).isBetween(0.0, SHAPE.width() + 1e-9);
            assertThat(map[0] * 96 * map[4] * 96 / (150.0 * 150)).isBetween(0.6 * 0.99, 1.0 + 1e-9);
        }
        byte[] a = new byte[crop.length()];
        byte[] b = new byte[crop.length()];
        augmenter.apply(photo, SHAPE, new SplittableRandom(9), a, crop);
        augmenter.apply(photo, SHAPE, new SplittableRandom(9), b, crop);
        assertThat(a).isEqualTo(b).isNotEqualTo(new byte[crop.length()]);
        assertThatThrownBy(() -> augmenter.apply(photo, SHAPE, new SplittableRandom(9), new byte[96 * 96], ImageShape.parse("96x96x1")))
                .hasMessageContaining("channels");
    }

    @Test
    void aRandomResizedCropIsAScaleAndShiftThatStaysInsideTheImage() {
        Augmenter augmenter = new Augmenter(new AugmentSettings(0, 0, 0, 0, 0, false, AugmentSettings.Fill.REFLECT, 0.6, 0));
        for (int seed = 0; seed < 50; seed++) {
            double[] map = augmenter.drawCrop(SHAPE, new SplittableRandom(seed));
            // x_src = a x + c over x in [0, W): the crop's width a W covers at least 0.6 of the area with the height.
            double w = map[0] * SHAPE.width();
            double h = map[4] * SHAPE.height();
            assertThat(map[1]).isZero();
            assertThat(map[3]).isZero();
            assertThat(w * h / (SHAPE.width() * SHAPE.height())).isBetween(0.6 * 0.99, 1.0 + 1e-9);
            assertThat(map[2]).isBetween(0.0, SHAPE.width() - w + 1e-9);
            assertThat(map[5]).isBetween(0.0, SHAPE.height() - h + 1e-9);
        }
        byte[] out = new byte[photo.length];
        augmenter.apply(photo, SHAPE, new SplittableRandom(3), out);
        assertThat(out).isNotEqualTo(photo);
    }

    @Test
    void colourJitterOfAUniformGrayScalesItsBrightnessOnly() {
        ImageShape gray = ImageShape.parse("4x4x1");
        byte[] flat = new byte[gray.length()];
        java.util.Arrays.fill(flat, (byte) 100);
        byte[] out = new byte[flat.length];
        new Augmenter(new AugmentSettings(0, 0, 0, 0, 0, false, AugmentSettings.Fill.REFLECT, 0, 0.2))
                .apply(flat, gray, new SplittableRandom(5), out);
        // Contrast pulls towards the mean, which a uniform image already is: only brightness moves it, within 20%.
        assertThat(out[0] & 0xff).isBetween(80, 120).isNotEqualTo(100);
        for (byte b : out) {
            assertThat(b).isEqualTo(out[0]);
        }
    }

    @Test
    void theKerasSettingsDrawTheSameTransformsAsBefore() {
        // A crop or jitter draws only when enabled, so 0.1 settings and seeds give the 0.1 transforms.
        AugmentSettings keras = AugmentSettings.defaults();
        AugmentSettings same = new AugmentSettings(keras.rotationDeg(), keras.widthShift(), keras.heightShift(),
                keras.shearDeg(), keras.zoom(), keras.horizontalFlip(), keras.fill(), 0, 0);
        byte[] a = new byte[photo.length];
        byte[] b = new byte[photo.length];
        new Augmenter(keras).apply(photo, SHAPE, new SplittableRandom(11), a);
        new Augmenter(same).apply(photo, SHAPE, new SplittableRandom(11), b);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void flipOnlyMirrorsOrCopies() {
        Augmenter flipper = new Augmenter(new AugmentSettings(0, 0, 0, 0, 0, true, AugmentSettings.Fill.NEAREST));
        byte[] mirrored = mirror(photo, SHAPE);
        int flips = 0;
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 40; i++) {
            byte[] out = new byte[photo.length];
            flipper.apply(photo, SHAPE, rng, out);
            if (out[0] == photo[0] && java.util.Arrays.equals(out, photo)) {
                continue;
            }
            assertThat(out).isEqualTo(mirrored);
            flips++;
        }
        assertThat(flips).isBetween(8, 32);
    }

    @Test
    void quarterTurnRotatesAboutTheCentre() {
        // A generator at the top of its range draws +90° from rotationDeg 90; about the true centre
        // ((n-1)/2) that is an exact quarter turn, with no one-pixel offset.
        Augmenter rotator = new Augmenter(new AugmentSettings(90, 0, 0, 0, 0, false, AugmentSettings.Fill.NEAREST));
        byte[] out = new byte[photo.length];

        rotator.apply(photo, SHAPE, new Top(), out);

        assertThat(out).satisfiesAnyOf(
                o -> assertThat(o).isEqualTo(rotate90(photo, SHAPE, true)),
                o -> assertThat(o).isEqualTo(rotate90(photo, SHAPE, false)));
    }

    @Test
    void grayImagesWorkToo() {
        ImageShape gray = ImageShape.parse("28x28x1");
        byte[] image = new byte[gray.length()];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i % 28 * 9);
        }
        byte[] out = new byte[image.length];

        new Augmenter(AugmentSettings.defaults()).apply(image, gray, new SplittableRandom(3), out);

        assertThat(out).isNotEqualTo(image);
    }

    @Test
    void refusesMismatchedBuffers() {
        Augmenter augmenter = new Augmenter(AugmentSettings.defaults());
        assertThatThrownBy(() -> augmenter.apply(photo, SHAPE, new SplittableRandom(1), new byte[10]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("destination 10");
        assertThatThrownBy(() -> new AugmentSettings(-1, 0, 0, 0, 0, false, AugmentSettings.Fill.NEAREST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rotationDeg");
    }

    private static byte[] mirror(byte[] hwc, ImageShape s) {
        byte[] out = new byte[hwc.length];
        int c = s.channels();
        for (int y = 0; y < s.height(); y++) {
            for (int x = 0; x < s.width(); x++) {
                System.arraycopy(hwc, (y * s.width() + x) * c, out, (y * s.width() + s.width() - 1 - x) * c, c);
            }
        }
        return out;
    }

    private static byte[] rotate90(byte[] hwc, ImageShape s, boolean clockwise) {
        int n = s.width(); // square
        int c = s.channels();
        byte[] out = new byte[hwc.length];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int sy = clockwise ? n - 1 - x : x;
                int sx = clockwise ? y : n - 1 - y;
                System.arraycopy(hwc, (sy * n + sx) * c, out, (y * n + x) * c, c);
            }
        }
        return out;
    }

    /** Always returns the largest double below 1, so a uniform draw lands at the top of its range. */
    private static final class Top implements RandomGenerator {
        @Override
        public long nextLong() {
            return -1L;
        }

        @Override
        public double nextDouble() {
            return Math.nextDown(1.0);
        }
    }
}
