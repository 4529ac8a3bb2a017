package dev.pixelflow.common.worker;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * How a worker reacts to an error, after Kafka's examples: fatal errors stop the worker (a restart or an
 * operator must act), a bad record goes to the dead-letter topic and the worker moves on, anything retriable
 * is retried with backoff up to a bound.
 */
public enum ErrorKind {
    FATAL, SKIP, RETRY;

    public static ErrorKind of(Throwable t) {
        if (t instanceof Error) {
            return FATAL;
        }
        if (t instanceof ProducerFencedException || t instanceof FencedInstanceIdException
                || t instanceof OutOfOrderSequenceException || t instanceof AuthenticationException
                || t instanceof AuthorizationException || t instanceof UnsupportedVersionException
                || t instanceof InvalidConfigurationException || t instanceof org.apache.kafka.common.config.ConfigException) {
            return FATAL;
        }
        if (t instanceof RecordDeserializationException || t instanceof SerializationException) {
            return SKIP;
        }
        if (t instanceof RetriableException) {
            return RETRY;
        }
        if (t instanceof KafkaException && t.getCause() != null && t.getCause() != t) {
            return of(t.getCause());
        }
        // Unknown failures are retried (they may be transient); the bound turns a persistent one into a stop.
        return RETRY;
    }
}
