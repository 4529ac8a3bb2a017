package dev.pixelflow.common.config;

/** A setting is missing or malformed; the message names the variable and the expected form. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
