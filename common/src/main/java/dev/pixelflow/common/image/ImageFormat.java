package dev.pixelflow.common.image;

/** The encoded formats pixelflow accepts, recognised by their magic bytes. */
public enum ImageFormat {
    JPEG, PNG, BMP, GIF;

    /** The MIME type, as in the {@code content-type} header: {@code image/jpeg}, ... */
    public String contentType() {
        return "image/" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
