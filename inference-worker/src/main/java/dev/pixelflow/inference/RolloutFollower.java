package dev.pixelflow.inference;

import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code models.rollout} from the beginning with its own group-less consumer (every worker applies every
 * change) and publishes the latest state of each model as one immutable map, which the request loop takes once
 * per batch: a change applies between batches, on every worker within a poll of it being written.
 */
public final class RolloutFollower implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Map<String, RolloutState> states = Map.of();
    private volatile boolean failed;

    public RolloutFollower(Consumer<String, byte[]> consumer, String topic) {
        this.consumer = consumer;
        this.topic = topic;
    }

    @Override
    public void run() {
        Map<String, RolloutState> working = new HashMap<>();
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
                    LOG.warn("rollout: cannot read the partitions of {} yet, retrying: {}", topic, e.toString());
                    pause();
                }
            }
            while (!stopping.get()) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // A broker hiccup must not freeze the rollout; the consumer keeps its position.
                    LOG.warn("rollout: reading {} failed, retrying: {}", topic, e.toString());
                    pause();
                    continue;
                }
                if (!records.isEmpty()) {
                    for (ConsumerRecord<String, byte[]> r : records) {
                        RolloutState before = working.get(r.key());
                        RolloutCatalog.apply(working, r);
                        RolloutState after = working.get(r.key());
                        if (after != null && after != before && caughtUp.getCount() == 0) {
                            LOG.info("rollout: {} now production {}, canary {} at {}%, shadow {}, rule {} ({})", after.model(),
                                    after.production(), after.canary(), after.canaryWeight(), after.shadow(),
                                    after.rule().word(), after.change() == null ? "" : after.change().detail());
                        }
                    }
                    states = Map.copyOf(working);
                }
                if (caughtUp.getCount() > 0 && reached(partitions, end)) {
                    LOG.info("rollout: caught up with {}: {}", topic, working.keySet());
                    caughtUp.countDown();
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
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("rollout: consumer close: {}", e.toString());
            }
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

    /** A second between retries after a broker error, cut short by {@link #stop()}. */
    private void pause() {
        try {
            stopped.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        }
    }

    private void fail(Throwable t) {
        failed = true;
        LOG.error("rollout: follower stopped: {}", t.toString(), t);
    }

    /** The latest state of each model that has one. */
    public Map<String, RolloutState> states() {
        return states;
    }

    /** True once the states written before start have been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean failed() {
        return failed;
    }

    public void stop() {
        stopping.set(true);
        stopped.countDown();
        consumer.wakeup();
    }
}
