package dev.pixelflow.common.image;

import java.util.Objects;

/**
 * An input image that cannot become a tensor. The {@link Reason} is what callers branch on and report:
 * its {@link Reason#code()} is the dead-letter record's {@code error.reason} and the inference reply's
 * {@code error}; the message is a sentence for a human that names the offending numbers.
 */
public final class ImageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an image was refused. Codes are part of the wire contract: never rename one. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY("empty"),
        /** More encoded bytes than {@link ImageLimits#maxEncodedBytes()}. */
        TOO_LARGE("too-large"),
        /** Header declares more pixels than {@link ImageLimits#maxPixels()} (decompression bomb). */
        TOO_MANY_PIXELS("too-many-pixels"),
        /** Not JPEG, PNG, BMP or GIF (e.g. a text file or random bytes). */
        UNSUPPORTED_FORMAT("unsupported-format"),
        /** Recognised format, but the header is inconsistent or the decoder failed. */
        CORRUPT("corrupt"),
        /** The file ends before the image does. */
        TRUNCATED("truncated");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** Stable short code, e.g. {@code too-many-pixels}. */
        public String code() {
            return code;
        }

        /** The reason with this {@link #code()}; for readers of DLQ records and replies. */
        public static Reason ofCode(String code) {
            for (Reason r : values()) {
                if (r.code.equals(code)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown image error code '" + code + "'");
        }
    }

    private final Reason reason;

    public ImageException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ImageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    /** Shorthand for {@code reason().code()}. */
    public String code() {
        return reason.code();
    }
}
