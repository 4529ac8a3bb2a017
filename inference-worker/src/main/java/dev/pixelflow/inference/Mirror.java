package dev.pixelflow.inference;

import dev.pixelflow.common.image.ImageShape;

/** Left-right mirror images of network inputs, for test-time augmentation. */
final class Mirror {
    private Mirror() {
    }

    /** Writes the mirror image of the image at {@code from} in {@code src} to {@code to} in {@code dst}. */
    static void horizontal(float[] src, int from, float[] dst, int to, ImageShape shape, boolean channelsFirst) {
        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        if (channelsFirst) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int row = (ch * h + y) * w;
                    for (int x = 0; x < w; x++) {
                        dst[to + row + x] = src[from + row + (w - 1 - x)];
                    }
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                int row = y * w * c;
                for (int x = 0; x < w; x++) {
                    System.arraycopy(src, from + row + (w - 1 - x) * c, dst, to + row + x * c, c);
                }
            }
        }
    }
}
