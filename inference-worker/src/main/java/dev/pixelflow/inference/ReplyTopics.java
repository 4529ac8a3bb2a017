package dev.pixelflow.inference;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Whether a {@code reply-to} topic exists, asked of the cluster once and remembered for a while. A send to a
 * missing topic would block for {@code max.block.ms} and then fail the whole transaction, again on every
 * retry, so such requests are answered with {@code bad-reply-to} on the default topic instead. Answers
 * expire so that a topic created (or deleted) later is noticed. Request-loop thread only.
 */
final class ReplyTopics {
    /** Seen to exist: checked again after this long, in case it was deleted. */
    static final long EXISTS_TTL_MS = 30_000;
    /** Seen missing: checked again after this long, in case the client creates it. */
    static final long MISSING_TTL_MS = 5_000;

    /** Asks the cluster; throws a retriable exception when it cannot tell. */
    interface Lookup {
        boolean exists(String topic) throws Exception;
    }

    private record Entry(boolean exists, long until) {
    }

    private final Lookup lookup;
    private final LongSupplier clock;
    private final Map<String, Entry> cache = new HashMap<>();
    private final String defaultTopic;

    ReplyTopics(Lookup lookup, LongSupplier clock, String defaultTopic) {
        this.lookup = lookup;
        this.clock = clock;
        this.defaultTopic = defaultTopic;
    }

    static Lookup describing(Admin admin, Duration timeout) {
        return topic -> {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException || e.getCause() instanceof InvalidTopicException) {
                    return false;
                }
                throw e;
            } catch (java.util.concurrent.TimeoutException e) {
                // Unknown rather than missing: the batch is retried instead of answering wrongly.
                throw new TimeoutException("no answer within " + timeout.toMillis() + " ms describing reply topic " + topic);
            }
        };
    }

    boolean exists(String topic) throws Exception {
        if (topic.equals(defaultTopic)) {
            return true;
        }
        long now = clock.getAsLong();
        Entry e = cache.get(topic);
        if (e != null && now < e.until()) {
            return e.exists();
        }
        boolean exists = lookup.exists(topic);
        if (cache.size() > 10_000) {
            // Bounded: a client inventing a topic per request must not grow the worker's memory.
            cache.clear();
        }
        cache.put(topic, new Entry(exists, now + (exists ? EXISTS_TTL_MS : MISSING_TTL_MS)));
        return exists;
    }
}
