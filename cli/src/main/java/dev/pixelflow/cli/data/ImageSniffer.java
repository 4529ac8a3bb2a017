package dev.pixelflow.cli.data;

/** Recognises the image formats pixelflow decodes from their first bytes, to skip other files while walking a folder. */
public final class ImageSniffer {
    private ImageSniffer() {
    }

    /** MIME type, or null when the bytes start like none of JPEG, PNG, BMP, GIF. */
    public static String contentType(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "image/jpeg";
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return "image/bmp";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "image/gif";
        }
        return null;
    }
}
