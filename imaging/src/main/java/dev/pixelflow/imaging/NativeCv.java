package dev.pixelflow.imaging;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/** Moves uint8 pixels between Java arrays and OpenCV Mats; callers own the Mats (usually via a PointerScope). */
final class NativeCv {
    private NativeCv() {
    }

    /** Loads the native libraries now, so a missing one fails at start-up rather than on the first image. */
    static void load() {
        Loader.load(opencv_core.class);
        Loader.load(opencv_imgproc.class);
        Loader.load(opencv_imgcodecs.class);
    }

    /**
     * A scope that frees every native object created inside it when closed, on this thread only; this is
     * what keeps per-image native memory from waiting for the garbage collector.
     */
    @SuppressWarnings("unchecked") // PointerScope's varargs constructor, called with no classes
    static PointerScope scope() {
        return new PointerScope();
    }

    /** A Mat holding a native copy of {@code hwc}; the copy is freed with the enclosing PointerScope. */
    static Mat copyIn(byte[] hwc, int height, int width, int channels) {
        if (hwc.length != height * width * channels) {
            throw new IllegalArgumentException("expected " + height * width * channels + " bytes for " + height + "x"
                    + width + "x" + channels + ", got " + hwc.length);
        }
        return new Mat(height, width, opencv_core.CV_8UC(channels), new BytePointer(hwc));
    }

    static void copyOut(Mat mat, byte[] dst) {
        long bytes = mat.total() * mat.elemSize();
        if (mat.depth() != opencv_core.CV_8U || bytes != dst.length || !mat.isContinuous()) {
            throw new IllegalStateException("expected a continuous uint8 Mat of " + dst.length + " bytes, got "
                    + mat.rows() + "x" + mat.cols() + " type " + mat.type());
        }
        mat.data().get(dst, 0, dst.length);
    }
}
