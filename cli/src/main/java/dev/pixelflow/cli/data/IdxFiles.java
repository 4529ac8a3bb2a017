package dev.pixelflow.cli.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * IDX files (MNIST's format, also Fashion-MNIST's), gzipped or not: an images file (magic 0x803, n×rows×cols
 * uint8) and its labels file (magic 0x801, n uint8).
 */
public final class IdxFiles {
    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** @param images uint8 row-major, {@code count × rows × cols} */
    public record Images(int count, int rows, int cols, byte[] images) {
        public byte[] image(int i) {
            int n = rows * cols;
            byte[] out = new byte[n];
            System.arraycopy(images, i * n, out, 0, n);
            return out;
        }
    }

    private IdxFiles() {
    }

    public static boolean isImagesFile(Path p) {
        return p.getFileName().toString().contains("images-idx3-ubyte");
    }

    /** {@code train-images-idx3-ubyte.gz} → {@code train-labels-idx1-ubyte.gz} beside it. */
    public static Path labelsFileFor(Path images) {
        return images.resolveSibling(images.getFileName().toString().replace("images-idx3-ubyte", "labels-idx1-ubyte"));
    }

    /** The default class names of a file: Fashion-MNIST's when its path says so, else the digits. */
    public static List<String> defaultClassNames(Path images) {
        return images.toString().toLowerCase().contains("fashion") ? FASHION_MNIST_CLASSES
                : List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    public static Images readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x803) {
                throw new IOException(file + ": not an IDX images file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE) {
                throw new IOException(file + ": implausible IDX dimensions " + n + "x" + rows + "x" + cols);
            }
            byte[] data = new byte[n * rows * cols];
            in.readFully(data);
            return new Images(n, rows, cols, data);
        }
    }

    public static byte[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x801) {
                throw new IOException(file + ": not an IDX labels file (magic 0x" + Integer.toHexString(magic) + ", expected 0x801)");
            }
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(file + ": negative label count");
            }
            byte[] labels = new byte[n];
            in.readFully(labels);
            return labels;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(in);
    }
}
