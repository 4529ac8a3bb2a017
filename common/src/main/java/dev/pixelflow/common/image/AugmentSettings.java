package dev.pixelflow.common.image;

import java.util.Objects;

/**
 * Random training-time distortions, with the meaning of Keras 2's {@code ImageDataGenerator} arguments
 * of the same names, so a Keras recipe carries over number for number.
 *
 * @param rotationDeg    rotation drawn uniformly from ±rotationDeg degrees ({@code rotation_range})
 * @param widthShift     horizontal shift drawn from ±widthShift × width ({@code width_shift_range}, a fraction)
 * @param heightShift    vertical shift drawn from ±heightShift × height ({@code height_shift_range}, a fraction)
 * @param shearDeg       shear angle drawn from ±shearDeg <em>degrees</em> ({@code shear_range}; Keras 2 reads it as
 *                       degrees, so the classic tutorial's 0.2 is a barely visible shear, and stays so here)
 * @param zoom           zoom drawn per axis independently from [1 − zoom, 1 + zoom] ({@code zoom_range})
 * @param horizontalFlip mirror left-right with probability ½ ({@code horizontal_flip})
 * @param fill           how pixels outside the source are filled ({@code fill_mode})
 */
public record AugmentSettings(double rotationDeg, double widthShift, double heightShift, double shearDeg, double zoom,
                              boolean horizontalFlip, Fill fill) {

    /** Keras' {@code fill_mode} values. */
    public enum Fill {
        /** Repeat the edge pixel (aaaa|abcd|dddd); Keras' default. */
        NEAREST,
        /** Mirror at the edge (dcba|abcd|dcba). */
        REFLECT,
        /** Tile the image (abcd|abcd|abcd). */
        WRAP,
        /** Black. */
        CONSTANT
    }

    public AugmentSettings {
        requireRange("rotationDeg", rotationDeg, 0, 180);
        requireRange("widthShift", widthShift, 0, 1);
        requireRange("heightShift", heightShift, 0, 1);
        requireRange("shearDeg", shearDeg, 0, 89);
        requireRange("zoom", zoom, 0, 0.99);
        Objects.requireNonNull(fill, "fill");
    }

    /** The Keras tutorial's generator: rotation 40, shifts 0.2, shear 0.2, zoom 0.2, horizontal flip, nearest fill. */
    public static AugmentSettings defaults() {
        return new AugmentSettings(40, 0.2, 0.2, 0.2, 0.2, true, Fill.NEAREST);
    }

    /** No augmentation: {@link Augmenter#apply} copies the image unchanged. */
    public static AugmentSettings none() {
        return new AugmentSettings(0, 0, 0, 0, 0, false, Fill.NEAREST);
    }

    /** True when no setting can change an image. */
    public boolean isIdentity() {
        return rotationDeg == 0 && widthShift == 0 && heightShift == 0 && shearDeg == 0 && zoom == 0 && !horizontalFlip;
    }

    private static void requireRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) { // also refuses NaN
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
