package dev.pixelflow.inference;

import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelAssembler;
import dev.pixelflow.common.worker.ErrorKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code models} from the beginning for as long as the worker runs, with its own group-less consumer
 * (every worker must see every version, so no group shares the partitions) reading only committed
 * transactions, and reports complete versions to the {@link ModelStore}. It tells the store once it has read
 * up to the end offsets the topic had when it started.
 */
public final class ModelFollower implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final ModelStore store;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile boolean failed;
    private volatile Throwable failure;
    private long currentOffset;

    public ModelFollower(Consumer<String, byte[]> consumer, String topic, ModelStore store) {
        this.consumer = consumer;
        this.topic = topic;
        this.store = store;
    }

    @Override
    public void run() {
        ModelAssembler assembler = new ModelAssembler(new ModelAssembler.Listener() {
            @Override
            public void onVersion(ModelVersion version, byte[] artifact) {
                store.onVersion(version, artifact, currentOffset);
            }

            @Override
            public void onBroken(String ref, String reason) {
                store.onBroken(ref, reason);
            }
        }, true);
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
                    LOG.warn("models: cannot read the partitions of {} yet, retrying: {}", topic, e.toString());
                    sleepQuietly();
                }
            }
            if (end == null) {
                return;
            }
            LOG.info("models: following {} from the beginning; catching up to offsets {}", topic, end.values());
            boolean caughtUp = false;
            while (!stopping.get()) {
                if (!caughtUp && reached(partitions, end)) {
                    caughtUp = true;
                    store.onCaughtUp();
                }
                try {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                        currentOffset = r.offset();
                        assembler.accept(r);
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (ErrorKind.of(e) == ErrorKind.FATAL) {
                        throw e; // a refused READ or login: retrying cannot help
                    }
                    // A broker hiccup must not end model updates; the consumer keeps its position.
                    LOG.warn("models: reading {} failed, retrying: {}", topic, e.toString());
                    sleepQuietly();
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
                LOG.debug("models: consumer close: {}", e.toString());
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

    private void fail(Throwable t) {
        failure = t;
        failed = true;
        LOG.error("models: follower stopped: {}", t.toString(), t);
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        }
    }

    public boolean failed() {
        return failed;
    }

    /** Why the follower stopped, once it has failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Safe from any thread. */
    public void stop() {
        stopping.set(true);
        consumer.wakeup();
    }
}
