package dev.pixelflow.inference;

/**
 * The inference worker's own error codes in {@code ClassifyResult.error}, beside the image codes of
 * {@link dev.pixelflow.common.image.ImageException.Reason}. Part of the wire contract: never rename one.
 */
public final class ErrorCodes {
    /** The request's {@code deadline} had passed when the worker read it; nothing was computed. */
    public static final String EXPIRED = "expired";
    /** No model is loaded that could answer (none published yet, or none of the requested name). */
    public static final String NO_MODEL = "no-model";
    /** A pinned {@code NAME:VERSION} that does not exist or cannot be loaded. */
    public static final String UNKNOWN_MODEL_VERSION = "unknown-model-version";
    /** The {@code reply-to} topic does not exist or is not a topic name; answered on the default results topic. */
    public static final String BAD_REPLY_TO = "bad-reply-to";
    /** A header that cannot be read ({@code deadline} not a number, {@code model} not NAME[:VERSION]). */
    public static final String BAD_REQUEST = "bad-request";

    private ErrorCodes() {
    }
}
