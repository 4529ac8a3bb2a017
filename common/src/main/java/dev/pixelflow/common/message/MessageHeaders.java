package dev.pixelflow.common.message;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Header names of the byte-valued topics ({@code images.raw}, {@code images.dlq}, {@code classify.requests}):
 * the contract for any producer, kcat included. Values are UTF-8 text.
 */
public final class MessageHeaders {
    // images.raw
    public static final String FILENAME = "filename";
    public static final String CONTENT_TYPE = "content-type";
    public static final String LABEL = "label";
    public static final String LABEL_INDEX = "label-index";
    public static final String SOURCE = "source";
    public static final String TARGET_SIZE = "target-size";
    // images.dlq: the original headers plus these
    public static final String ERROR_REASON = "error.reason";
    public static final String ERROR_CLASS = "error.class";
    public static final String ERROR_MESSAGE = "error.message";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";
    // classify.requests
    public static final String REPLY_TO = "reply-to";
    public static final String CORRELATION_ID = "correlation-id";
    public static final String DEADLINE = "deadline";
    public static final String MODEL = "model";
    /** Classification request: {@code on} or {@code off}, overriding the model's test-time augmentation setting. */
    public static final String TTA = "tta";

    private MessageHeaders() {
    }

    /** The last value of a header as trimmed text, or null when absent or empty. */
    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        if (h == null || h.value() == null) {
            return null;
        }
        String s = new String(h.value(), StandardCharsets.UTF_8).trim();
        return s.isEmpty() ? null : s;
    }

    public static byte[] utf8(Object value) {
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }
}
