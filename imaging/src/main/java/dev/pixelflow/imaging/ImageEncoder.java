package dev.pixelflow.imaging;

import dev.pixelflow.common.image.ImageShape;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Encodes uint8 HWC pixels (gray, or RGB as {@link ImagePreprocessor} produces them) as PNG, e.g. to
 * turn IDX datasets into ordinary image records. PNG is lossless, so {@link ImagePreprocessor#toHwc}
 * at the same shape gives the pixels back exactly.
 */
public final class ImageEncoder {
    private ImageEncoder() {
    }

    @SuppressWarnings("try") // the scope is used only for closing
    public static byte[] png(byte[] hwc, ImageShape shape) {
        if (hwc.length != shape.length()) {
            throw new IllegalArgumentException("expected " + shape.length() + " bytes for " + shape + ", got " + hwc.length);
        }
        NativeCv.load();
        try (PointerScope scope = NativeCv.scope()) {
            Mat pixels = NativeCv.copyIn(hwc, shape.height(), shape.width(), shape.channels());
            if (shape.channels() == 3) {
                Mat bgr = new Mat(); // OpenCV's encoders expect BGR order
                opencv_imgproc.cvtColor(pixels, bgr, opencv_imgproc.COLOR_RGB2BGR);
                pixels = bgr;
            }
            BytePointer encoded = new BytePointer();
            if (!opencv_imgcodecs.imencode(".png", pixels, encoded)) {
                throw new IllegalStateException("OpenCV could not encode a " + shape + " image as PNG");
            }
            byte[] out = new byte[Math.toIntExact(encoded.limit())];
            encoded.get(out);
            return out;
        }
    }
}
