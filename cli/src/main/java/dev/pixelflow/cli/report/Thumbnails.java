package dev.pixelflow.cli.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an evaluated image next to the report. Small images are written byte for byte, so the page shows exactly
 * what the model was sent; big ones (a phone photo is megabytes) are scaled down, or 48 of them would make a
 * report of hundreds of megabytes that a browser struggles to open.
 */
final class Thumbnails {
    static final int MAX_SIDE = 320;
    static final int COPY_AS_IS_BYTES = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Thumbnails.class);

    private Thumbnails() {
    }

    /**
     * Writes {@code dir/base.EXT} and returns its file name, or empty when the bytes are neither an image a browser
     * shows nor one ImageIO can decode (the report then shows a placeholder tile).
     */
    static Optional<String> write(byte[] encoded, Path dir, String base) throws IOException {
        String ext = browserExtension(encoded);
        if (ext != null && encoded.length <= COPY_AS_IS_BYTES) {
            return Optional.of(store(dir, base + "." + ext, encoded));
        }
        BufferedImage image = decode(encoded);
        if (image != null) {
            Path file = dir.resolve(base + ".jpg");
            if (ImageIO.write(scaled(image), "jpg", file.toFile())) {
                return Optional.of(file.getFileName().toString());
            }
        }
        if (ext != null) {
            // Too big and not decodable here (WebP, CMYK JPEG, ...): the browser may still manage it.
            return Optional.of(store(dir, base + "." + ext, encoded));
        }
        LOG.warn("image {} is in no format a browser shows; the report shows a placeholder", base);
        return Optional.empty();
    }

    /** File extension for formats every current browser displays, from the first bytes; null for anything else. */
    static String browserExtension(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "jpg";
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "gif";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return "bmp";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return "webp";
        }
        return null;
    }

    private static String store(Path dir, String name, byte[] bytes) throws IOException {
        Files.write(dir.resolve(name), bytes);
        return name;
    }

    private static BufferedImage decode(byte[] encoded) {
        try {
            return ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            // ImageIO throws unchecked exceptions on some truncated files; a bad image must not sink the report.
            LOG.debug("cannot decode image for a thumbnail: {}", e.toString());
            return null;
        }
    }

    private static BufferedImage scaled(BufferedImage src) {
        double scale = Math.min(1.0, (double) MAX_SIDE / Math.max(src.getWidth(), src.getHeight()));
        int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(src.getHeight() * scale));
        // Halve in steps: one bilinear jump from 4000 px to 320 px samples too few pixels and aliases badly.
        BufferedImage current = src;
        int cw = src.getWidth();
        int ch = src.getHeight();
        do {
            cw = Math.max(w, cw / 2);
            ch = Math.max(h, ch / 2);
            current = draw(current, cw, ch);
        } while (cw > w || ch > h);
        return current;
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        // TYPE_INT_RGB: the JPEG writer refuses images with alpha.
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, Color.WHITE, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
