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
 * The kind of an error that reached a worker's loop, after Kafka's examples. Dead-lettering is not decided
 * here: processors dead-letter the bad records they can read before anything is thrown.
 */
public enum ErrorKind {
    /** A restart or an operator must act: {@link TransactionalLoop} stops the worker. */
    FATAL,
    /**
     * A record that cannot be (de)serialized. {@link TransactionalLoop} retries it like {@link #RETRY}: the same
     * record comes back on every attempt, so the retry bound stops the worker instead of losing the record
     * silently. The trainer fails the job rather than retrying it.
     */
    BAD_RECORD,
    /** Possibly transient: the batch is aborted and retried with backoff, up to a bound. */
    RETRY;

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
            return BAD_RECORD;
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
