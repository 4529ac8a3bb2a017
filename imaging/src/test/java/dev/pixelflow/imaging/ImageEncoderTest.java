package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.ImageLimits;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageEncoderTest {
    private final ImagePreprocessor preprocessor = new ImagePreprocessor(ImageLimits.defaults());

    @Test
    void grayAndRgbRoundTripThroughPng() throws Exception {
        Random random = new Random(9);
        for (ImageShape shape : new ImageShape[] {ImageShape.parse("28x28x1"), ImageShape.parse("17x31x3")}) {
            byte[] pixels = new byte[shape.length()];
            random.nextBytes(pixels);

            byte[] png = ImageEncoder.png(pixels, shape);

            assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
            assertThat(preprocessor.toHwc(png, shape)).as("%s", shape).isEqualTo(pixels);
        }
    }

    @Test
    void rgbOrderIsKept() throws Exception {
        ImageShape shape = new ImageShape(1, 1, 3);
        byte[] red = {(byte) 255, 0, 0};

        byte[] decoded = TestImages.meanRgb(TestImages.read(ImageEncoder.png(red, shape)))[0] == 255 ? red : null;

        assertThat(decoded).as("ImageIO sees red").isSameAs(red);
        assertThat(preprocessor.toHwc(ImageEncoder.png(red, shape), shape)).containsExactly(red);
    }

    @Test
    void refusesWrongLength() {
        assertThatThrownBy(() -> ImageEncoder.png(new byte[5], ImageShape.parse("2x2x1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 4 bytes for 2x2x1");
    }
}
