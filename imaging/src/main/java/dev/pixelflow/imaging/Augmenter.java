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
 * then a horizontal flip with probability ½.
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
    @SuppressWarnings("try") // the scope is used only for closing
    public void apply(byte[] hwc, ImageShape shape, RandomGenerator rng, byte[] dst) {
        Objects.requireNonNull(rng, "rng");
        int length = shape.length();
        if (hwc.length != length || dst.length != length) {
            throw new IllegalArgumentException("expected " + length + " bytes for " + shape + ", got source "
                    + hwc.length + " and destination " + dst.length);
        }
        if (hwc == dst) {
            throw new IllegalArgumentException("source and destination must be different arrays");
        }
        double[] inverse = drawInverseMap(shape, rng);
        boolean flip = settings.horizontalFlip() && rng.nextBoolean();
        if (inverse == null && !flip) {
            System.arraycopy(hwc, 0, dst, 0, length);
            return;
        }
        try (PointerScope scope = NativeCv.scope()) {
            Mat image = NativeCv.copyIn(hwc, shape.height(), shape.width(), shape.channels());
            if (inverse != null) {
                Mat warped = new Mat();
                Mat map = new Mat(2, 3, opencv_core.CV_64F, new DoublePointer(inverse));
                opencv_imgproc.warpAffine(image, warped, map, new Size(shape.width(), shape.height()),
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
    }

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
