package dev.pixelflow.cli.data;

/**
 * One image to send, with what is known about it.
 *
 * @param id          file path or {@code file#index}; becomes the record key and the filename header
 * @param bytes       the encoded image (IDX images are encoded to PNG)
 * @param label       class name or null
 * @param labelIndex  class index when the source defines one (IDX), else -1
 * @param contentType MIME type guessed from the bytes
 */
public record LabeledImage(String id, byte[] bytes, String label, int labelIndex, String contentType) {
}
