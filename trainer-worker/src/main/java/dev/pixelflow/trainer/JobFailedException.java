package dev.pixelflow.trainer;

/** A job cannot succeed as requested (no matching data, bad request): it is reported and not retried. */
final class JobFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobFailedException(String message) {
        super(message);
    }

    JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
