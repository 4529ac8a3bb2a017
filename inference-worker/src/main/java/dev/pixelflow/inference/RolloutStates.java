package dev.pixelflow.inference;

import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutState;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code models.rollout} means to the worker: the latest state of each model, published as one immutable map
 * that the request loop takes once per batch, so a change applies between batches, on every worker (each follows
 * the whole topic) within a poll of it being written.
 */
final class RolloutStates implements CompactedTopicFollower.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutStates.class);

    private final Map<String, RolloutState> working = new HashMap<>();
    private volatile Map<String, RolloutState> states = Map.of();
    private boolean caughtUp;

    @Override
    public void onRecords(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            RolloutState before = working.get(r.key());
            RolloutCatalog.apply(working, r);
            RolloutState after = working.get(r.key());
            if (after != null && after != before && caughtUp) {
                LOG.info("rollout: {} now production {}, canary {} at {}%, shadow {}, rule {} ({})", after.model(),
                        after.production(), after.canary(), after.canaryWeight(), after.shadow(), after.rule().word(),
                        after.change() == null ? "" : after.change().detail());
            }
        }
        states = Map.copyOf(working);
    }

    @Override
    public void onCaughtUp() {
        caughtUp = true;
        LOG.info("rollout: states of {}", working.keySet());
    }

    /** The latest state of each model that has one; safe from any thread. */
    Map<String, RolloutState> states() {
        return states;
    }
}
