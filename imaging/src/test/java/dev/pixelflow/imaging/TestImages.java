package dev.pixelflow.imaging;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Real photos from the shared dataset (never copied into the repository) and format conversions for tests. */
final class TestImages {
    private static final Path DATASET = findDataset();

    private TestImages() {
    }

    /** Walks up from the working directory to the first {@code shared/datasets/dogs-vs-cats}. */
    private static Path findDataset() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/datasets/dogs-vs-cats");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/datasets/dogs-vs-cats above " + Path.of("").toAbsolutePath());
    }

    static byte[] photo(String name) {
        try {
            return Files.readAllBytes(DATASET.resolve("test").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code count} test photos in name order. */
    static List<byte[]> photos(int count) {
        try (Stream<Path> files = Files.list(DATASET.resolve("test"))) {
            return files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(count).map(p -> {
                try {
                    return Files.readAllBytes(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedImage read(byte[] encoded) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
            if (image == null) {
                throw new IllegalArgumentException("ImageIO cannot read these bytes");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Re-encodes a decoded image with ImageIO ("png", "bmp", "gif"). */
    static byte[] encode(BufferedImage image, String format) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(rgb, format, out)) {
                throw new IllegalStateException("ImageIO has no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Mean of each RGB channel of a decoded image, for checks independent of any decoder's rounding. */
    static double[] meanRgb(BufferedImage image) {
        double[] sum = new double[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                sum[0] += (p >> 16) & 0xFF;
                sum[1] += (p >> 8) & 0xFF;
                sum[2] += p & 0xFF;
            }
        }
        double n = (double) image.getWidth() * image.getHeight();
        return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
    }

    /** Mean of each channel of a uint8 HWC buffer. */
    static double[] meanHwc(byte[] hwc, int channels) {
        double[] sum = new double[channels];
        for (int i = 0; i < hwc.length; i++) {
            sum[i % channels] += hwc[i] & 0xFF;
        }
        for (int c = 0; c < channels; c++) {
            sum[c] /= hwc.length / channels;
        }
        return sum;
    }

    static double meanAbsDiff(byte[] a, byte[] b) {
        long total = 0;
        for (int i = 0; i < a.length; i++) {
            total += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
        }
        return (double) total / a.length;
    }
}
