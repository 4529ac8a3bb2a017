package dev.pixelflow.inference;

import dev.pixelflow.common.worker.ErrorKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one compacted topic from the beginning for as long as the worker runs and hands every record to a
 * {@link Handler}: the one way the inference worker follows {@code models} and {@code models.rollout}. Its consumer
 * has no group (every worker must see every record, so no group may share the partitions) and reads only committed
 * transactions. It is caught up once it has read up to the end offsets the topic had when it started.
 *
 * <p>A broker error is retried (the consumer keeps its position); a fatal one ({@link ErrorKind#FATAL}: a refused
 * READ or DESCRIBE, a failed login) stops the follower, since retrying cannot help: {@link #failure()} says why, and
 * the {@code onFailed} callback lets the worker stop instead of serving from a topic it can no longer read.
 */
final class CompactedTopicFollower implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(CompactedTopicFollower.class);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    /** What one followed topic means to the worker; called on the follower's thread only. */
    interface Handler {
        /** One poll's records, in offset order within each partition. */
        void onRecords(ConsumerRecords<String, byte[]> records);

        /** Everything written before the follower started has been handed over; called once. */
        void onCaughtUp();
    }

    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
    private final String topic;
    private final Duration poll;
    private final Handler handler;
    private final Consumer<Throwable> onFailed;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;

    /**
     * @param poll     how long one poll waits for records: how soon a new record applies
     * @param onFailed called on the follower's thread once it has stopped because of {@code failure}
     */
    CompactedTopicFollower(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, String topic, Duration poll,
                           Handler handler, Consumer<Throwable> onFailed) {
        this.consumer = consumer;
        this.topic = topic;
        this.poll = poll;
        this.handler = handler;
        this.onFailed = onFailed;
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = null;
            Map<TopicPartition, Long> end = null;
            while (end == null && !stopping.get()) {
                try {
                    partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    retryOrThrow(e, "cannot read the partitions of");
                }
            }
            if (end == null) {
                return;
            }
            LOG.info("{}: following from the beginning; catching up to offsets {}", topic, end.values());
            while (!stopping.get()) {
                if (caughtUp.getCount() > 0 && reached(partitions, end)) {
                    LOG.info("{}: caught up", topic);
                    handler.onCaughtUp();
                    caughtUp.countDown();
                }
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(poll);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    retryOrThrow(e, "reading failed on");
                    continue;
                }
                if (!records.isEmpty()) {
                    handler.onRecords(records);
                }
            }
        } catch (WakeupException e) {
            if (!stopping.get()) {
                fail(e);
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("{}: consumer close: {}", topic, e.toString());
            }
        }
    }

    /** A broker hiccup must not end the updates: wait and go on. A refused READ or login cannot pass: throw. */
    private void retryOrThrow(RuntimeException e, String what) {
        if (ErrorKind.of(e) == ErrorKind.FATAL) {
            throw e;
        }
        LOG.warn("{}: {} the topic, retrying: {}", topic, what, e.toString());
        try {
            stopped.await(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS); // cut short by stop()
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        }
    }

    private boolean reached(List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, METADATA_TIMEOUT) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    private void fail(Throwable t) {
        failure = t;
        if (ErrorKind.of(t) == ErrorKind.FATAL) {
            // An ACL or a login to fix: the worker's last line names it; a stack trace would only bury it.
            LOG.error("{}: follower stopped: {}", topic, t.toString());
        } else {
            LOG.error("{}: follower stopped: {}", topic, t.toString(), t);
        }
        onFailed.accept(t);
    }

    /** True once the records written before start have been handed to the handler. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean failed() {
        return failure != null;
    }

    /** Why the follower stopped, once it has failed. */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Safe from any thread. */
    void stop() {
        stopping.set(true);
        stopped.countDown();
        consumer.wakeup();
    }
}
