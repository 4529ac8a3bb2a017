package dev.pixelflow.common.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

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
 * @param cropScale      random-resized crop (torchvision's {@code RandomResizedCrop}): before the warp, a random region
 *                       of at least this fraction of the area, with an aspect ratio from 3/4 to 4/3, is cropped and
 *                       resized back to the full size; 0 for none
 * @param colorJitter    brightness, contrast and saturation each scaled by a factor drawn from
 *                       [1 − colorJitter, 1 + colorJitter] (torchvision's {@code ColorJitter}); 0 for none
 */
public record AugmentSettings(double rotationDeg, double widthShift, double heightShift, double shearDeg, double zoom,
                              boolean horizontalFlip, Fill fill,
                              @JsonInclude(JsonInclude.Include.NON_DEFAULT) double cropScale,
                              @JsonInclude(JsonInclude.Include.NON_DEFAULT) double colorJitter) {

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
        if (cropScale != 0) {
            requireRange("cropScale", cropScale, 0.05, 1);
        }
        requireRange("colorJitter", colorJitter, 0, 0.9);
    }

    /** Keras' seven settings, without crop or colour jitter. */
    public AugmentSettings(double rotationDeg, double widthShift, double heightShift, double shearDeg, double zoom,
                           boolean horizontalFlip, Fill fill) {
        this(rotationDeg, widthShift, heightShift, shearDeg, zoom, horizontalFlip, fill, 0, 0);
    }

    /** Reads settings as written; the two later fields are absent from 0.1 requests and manifests. */
    @JsonCreator
    static AugmentSettings fromJson(@JsonProperty("rotationDeg") double rotationDeg,
                                    @JsonProperty("widthShift") double widthShift,
                                    @JsonProperty("heightShift") double heightShift,
                                    @JsonProperty("shearDeg") double shearDeg, @JsonProperty("zoom") double zoom,
                                    @JsonProperty("horizontalFlip") boolean horizontalFlip,
                                    @JsonProperty("fill") Fill fill, @JsonProperty("cropScale") Double cropScale,
                                    @JsonProperty("colorJitter") Double colorJitter) {
        return new AugmentSettings(rotationDeg, widthShift, heightShift, shearDeg, zoom, horizontalFlip, fill,
                cropScale == null ? 0 : cropScale, colorJitter == null ? 0 : colorJitter);
    }

    /**
     * The modern photo recipe: random-resized crop (area 0.6-1), horizontal flip, rotation within ±10° and colour
     * jitter 0.2, reflecting at the border.
     */
    public static AugmentSettings photos() {
        return new AugmentSettings(10, 0, 0, 0, 0, true, Fill.REFLECT, 0.6, 0.2);
    }

    /** Small images (28x28): shifts of up to 10% with black fill, as a padded random crop, and a horizontal flip. */
    public static AugmentSettings shiftAndFlip() {
        return new AugmentSettings(0, 0.1, 0.1, 0, 0, true, Fill.CONSTANT);
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
        return rotationDeg == 0 && widthShift == 0 && heightShift == 0 && shearDeg == 0 && zoom == 0 && !horizontalFlip
                && cropScale == 0 && colorJitter == 0;
    }

    private static void requireRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) { // also refuses NaN
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
