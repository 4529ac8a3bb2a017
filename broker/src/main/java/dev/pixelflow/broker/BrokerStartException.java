package dev.pixelflow.broker;

/** The embedded broker could not start; the message names the cause (port, data dir, timeout). */
public final class BrokerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerStartException(String message) {
        super(message);
    }

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
