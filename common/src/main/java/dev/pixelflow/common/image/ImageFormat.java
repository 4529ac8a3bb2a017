package dev.pixelflow.common.image;

/** The encoded formats pixelflow accepts, recognised by their magic bytes. */
public enum ImageFormat {
    JPEG, PNG, BMP, GIF
}
