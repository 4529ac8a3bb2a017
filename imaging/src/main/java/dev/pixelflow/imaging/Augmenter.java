package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.AugmentSettings;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Training-time augmentation of uint8 HWC images, like Keras 2's {@code ImageDataGenerator.random_transform}:
 * rotation, shift, shear and zoom are composed (in Keras' order) into one affine map about the image centre
 * and applied in a single bilinear {@code warpAffine}, so the image is interpolated once, not four times;
 * then a horizontal flip with probability ½. Optionally a random-resized crop first (composed into the same
 * single warp) and colour jitter last, as torchvision's recipes have them.
 *
 * <p>Deterministic: the same settings, input and generator state give the same output. Thread-safe as long
 * as each thread passes its own generator.
 */
public final class Augmenter {
    private final AugmentSettings settings;

    public Augmenter(AugmentSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        NativeCv.load();
    }

    public AugmentSettings settings() {
        return settings;
    }

    /** Writes an augmented copy of {@code hwc} into {@code dst} (same shape; may not be the same array). */
    public void apply(byte[] hwc, ImageShape shape, RandomGenerator rng, byte[] dst) {
        apply(hwc, shape, rng, dst, shape);
    }

    /**
     * Writes an augmented copy of {@code hwc} ({@code shape}) into {@code dst} of {@code dstShape}, which may be smaller:
     * the random-resized crop (or, without one, the whole image) is stretched over the destination, as a recipe that
     * trains on crops smaller than the images it answers for needs.
     */
    @SuppressWarnings("try") // the scope is used only for closing
    public void apply(byte[] hwc, ImageShape shape, RandomGenerator rng, byte[] dst, ImageShape dstShape) {
        Objects.requireNonNull(rng, "rng");
        if (hwc.length != shape.length() || dst.length != dstShape.length()) {
            throw new IllegalArgumentException("expected " + shape.length() + " bytes for " + shape + " and "
                    + dstShape.length() + " for " + dstShape + ", got source " + hwc.length + " and destination " + dst.length);
        }
        if (dstShape.channels() != shape.channels()) {
            throw new IllegalArgumentException("destination " + dstShape + " must have the source's channels (" + shape + ")");
        }
        if (hwc == dst) {
            throw new IllegalArgumentException("source and destination must be different arrays");
        }
        boolean resized = !dstShape.equals(shape);
        int length = shape.length();
        double[] inverse = drawInverseMap(dstShape, rng);
        if (settings.cropScale() > 0) {
            inverse = compose(drawCrop(shape, dstShape, rng), inverse);
        } else if (resized) {
            inverse = compose(resize(shape, dstShape), inverse);
        }
        boolean flip = settings.horizontalFlip() && rng.nextBoolean();
        if (inverse == null && !flip) {
            System.arraycopy(hwc, 0, dst, 0, length);
            jitter(dst, shape, rng);
            return;
        }
        try (PointerScope scope = NativeCv.scope()) {
            Mat image = NativeCv.copyIn(hwc, shape.height(), shape.width(), shape.channels());
            if (inverse != null) {
                Mat warped = new Mat();
                Mat map = new Mat(2, 3, opencv_core.CV_64F, new DoublePointer(inverse));
                opencv_imgproc.warpAffine(image, warped, map, new Size(dstShape.width(), dstShape.height()),
                        opencv_imgproc.INTER_LINEAR | opencv_imgproc.WARP_INVERSE_MAP, borderMode(), new Scalar(0.0));
                image = warped;
            }
            if (flip) {
                Mat flipped = new Mat();
                opencv_core.flip(image, flipped, 1);
                image = flipped;
            }
            NativeCv.copyOut(image, dst);
        }
        jitter(dst, dstShape, rng);
    }

    /**
     * A random-resized crop as a destination-to-source map: a region of area fraction in [cropScale, 1] and aspect
     * ratio in [3/4, 4/3] (log-uniform), at a random place, stretched over the whole output.
     */
    double[] drawCrop(ImageShape shape, RandomGenerator rng) {
        return drawCrop(shape, shape, rng);
    }

    /** The same, stretched over an output of {@code out}'s size. */
    double[] drawCrop(ImageShape shape, ImageShape out, RandomGenerator rng) {
        double area = rng.nextDouble(settings.cropScale(), 1.0 + Math.ulp(1.0));
        double ratio = Math.exp(rng.nextDouble(Math.log(3.0 / 4), Math.log(4.0 / 3)));
        double cw = Math.min(shape.width(), Math.sqrt(area * ratio) * shape.width());
        double ch = Math.min(shape.height(), Math.sqrt(area / ratio) * shape.height());
        double x0 = rng.nextDouble() * (shape.width() - cw);
        double y0 = rng.nextDouble() * (shape.height() - ch);
        return scaled(cw / out.width(), x0, ch / out.height(), y0);
    }

    /** The whole image stretched over an output of {@code out}'s size. */
    static double[] resize(ImageShape shape, ImageShape out) {
        return scaled((double) shape.width() / out.width(), 0, (double) shape.height() / out.height(), 0);
    }

    /**
     * x_src = sx x + x0, y_src = sy y + y0, with pixel centres aligned: output pixel x covers [x, x + 1) and its
     * centre x + ½ maps to the source point sx (x + ½) + x0, whose pixel index is that minus ½ (for a scale of 1
     * the half-pixels cancel, so same-size crops are unchanged).
     */
    private static double[] scaled(double sx, double x0, double sy, double y0) {
        return new double[] {sx, 0, x0 + (sx - 1) / 2, 0, sy, y0 + (sy - 1) / 2};
    }

    /** The map that applies {@code inner} (destination to intermediate), then {@code outer}; null means identity. */
    static double[] compose(double[] outer, double[] inner) {
        if (inner == null) {
            return outer;
        }
        return new double[] {
                outer[0] * inner[0] + outer[1] * inner[3], outer[0] * inner[1] + outer[1] * inner[4],
                outer[0] * inner[2] + outer[1] * inner[5] + outer[2],
                outer[3] * inner[0] + outer[4] * inner[3], outer[3] * inner[1] + outer[4] * inner[4],
                outer[3] * inner[2] + outer[4] * inner[5] + outer[5]};
    }

    /**
     * Brightness, contrast and saturation, each scaled by a factor from [1 - j, 1 + j], in torchvision's order; on
     * the uint8 pixels, rounded and clamped. Gray images get brightness and contrast only.
     */
    void jitter(byte[] hwc, ImageShape shape, RandomGenerator rng) {
        double j = settings.colorJitter();
        if (j == 0) {
            return;
        }
        double brightness = rng.nextDouble(1 - j, 1 + j);
        double contrast = rng.nextDouble(1 - j, 1 + j);
        double saturation = rng.nextDouble(1 - j, 1 + j);
        int c = shape.channels();
        int pixels = shape.height() * shape.width();
        float[] v = new float[hwc.length];
        double graySum = 0;
        for (int p = 0; p < pixels; p++) {
            double gray = 0;
            for (int k = 0; k < c; k++) {
                float x = (float) ((hwc[p * c + k] & 0xff) * brightness);
                v[p * c + k] = x;
                gray += c == 3 ? LUMA[k] * x : x / c;
            }
            graySum += gray;
        }
        double meanGray = graySum / pixels;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (contrast * v[i] + (1 - contrast) * meanGray);
        }
        if (c == 3) {
            for (int p = 0; p < pixels; p++) {
                int o = p * 3;
                double gray = LUMA[0] * v[o] + LUMA[1] * v[o + 1] + LUMA[2] * v[o + 2];
                for (int k = 0; k < 3; k++) {
                    v[o + k] = (float) (saturation * v[o + k] + (1 - saturation) * gray);
                }
            }
        }
        for (int i = 0; i < v.length; i++) {
            hwc[i] = (byte) Math.max(0, Math.min(255, Math.round(v[i])));
        }
    }

    /** ITU-R 601 luma weights of R, G and B, as torchvision's grayscale uses. */
    private static final double[] LUMA = {0.299, 0.587, 0.114};

    /**
     * Draws the transform and returns it as OpenCV's 2×3 destination→source map (x = column, y = row),
     * or null when it is the identity. Draw order is fixed, so a seed always means the same transform.
     */
    double[] drawInverseMap(ImageShape shape, RandomGenerator rng) {
        double theta = Math.toRadians(uniform(rng, settings.rotationDeg()));
        double tx = uniform(rng, settings.heightShift()) * shape.height(); // Keras: tx moves along rows
        double ty = uniform(rng, settings.widthShift()) * shape.width();
        double shear = Math.toRadians(uniform(rng, settings.shearDeg()));
        double zx = 1;
        double zy = 1;
        if (settings.zoom() > 0) {
            zx = rng.nextDouble(1 - settings.zoom(), 1 + settings.zoom());
            zy = rng.nextDouble(1 - settings.zoom(), 1 + settings.zoom());
        }
        if (theta == 0 && tx == 0 && ty == 0 && shear == 0 && zx == 1 && zy == 1) {
            return null;
        }
        // Keras' matrices, in (row, col) coordinates, mapping output pixel → input pixel.
        double[][] m = multiply(
                multiply(new double[][] {{Math.cos(theta), -Math.sin(theta), 0}, {Math.sin(theta), Math.cos(theta), 0}, {0, 0, 1}},
                        new double[][] {{1, 0, tx}, {0, 1, ty}, {0, 0, 1}}),
                multiply(new double[][] {{1, -Math.sin(shear), 0}, {0, Math.cos(shear), 0}, {0, 0, 1}},
                        new double[][] {{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}}));
        double cr = (shape.height() - 1) / 2.0;
        double cc = (shape.width() - 1) / 2.0;
        m = multiply(multiply(new double[][] {{1, 0, cr}, {0, 1, cc}, {0, 0, 1}}, m),
                new double[][] {{1, 0, -cr}, {0, 1, -cc}, {0, 0, 1}});
        // Swap to OpenCV's (x = col, y = row): x_src = m11 x + m10 y + m12, y_src = m01 x + m00 y + m02.
        return new double[] {m[1][1], m[1][0], m[1][2], m[0][1], m[0][0], m[0][2]};
    }

    private int borderMode() {
        return switch (settings.fill()) {
            case NEAREST -> opencv_core.BORDER_REPLICATE;
            case REFLECT -> opencv_core.BORDER_REFLECT;
            case WRAP -> opencv_core.BORDER_WRAP;
            case CONSTANT -> opencv_core.BORDER_CONSTANT;
        };
    }

    /** Uniform in [-range, range); no draw at all when the range is zero, as Keras skips disabled settings. */
    private static double uniform(RandomGenerator rng, double range) {
        return range == 0 ? 0 : rng.nextDouble(-range, range);
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
            }
        }
        return c;
    }
}
