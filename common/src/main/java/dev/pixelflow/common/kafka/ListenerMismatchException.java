package dev.pixelflow.common.kafka;

import org.apache.kafka.common.errors.AuthenticationException;

/**
 * The cluster's listener and this client speak different protocols (TLS or not, SASL or not), found by
 * {@link ListenerProbe} after the cluster gave no answer. An {@link AuthenticationException}, so a worker stops as
 * on a configuration error; its message is the one line to show, naming the setting to check and no secret.
 */
public final class ListenerMismatchException extends AuthenticationException {
    public ListenerMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
