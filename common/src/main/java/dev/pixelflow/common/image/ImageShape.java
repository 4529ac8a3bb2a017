package dev.pixelflow.common.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Height × width × channels of a network input. Channels is 1 (grayscale) or 3 (RGB).
 * Written as {@code HxWxC}, e.g. {@code 150x150x3}, everywhere a user types or reads it.
 */
public record ImageShape(int height, int width, int channels) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,5})x(\\d{1,5})x([13])");
    /** Upper bound on one side: large enough for any classifier input, small enough that H*W*C fits an int. */
    public static final int MAX_SIDE = 4096;

    public ImageShape {
        if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
            throw new IllegalArgumentException("image size must be 1.." + MAX_SIDE + " per side, got " + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
    }

    /** Parses {@code HxWxC}; the message names the expected form so it can be shown to a user as is. */
    @JsonCreator
    public static ImageShape parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected HxWxC with C 1 or 3 (e.g. 150x150x3), got '" + text + "'");
        }
        return new ImageShape(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    public int pixels() {
        return height * width;
    }

    /** Number of uint8 values in an HWC buffer of this shape. */
    public int length() {
        return height * width * channels;
    }

    @JsonValue
    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
