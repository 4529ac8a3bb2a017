package dev.pixelflow.common.rollout;

import dev.pixelflow.common.model.ModelCatalog;
import java.util.function.UnaryOperator;

/**
 * The rollout commands: each reads the model's state and the models topic, checks the versions it names (published,
 * complete, sha256 verified), applies one transition and writes the new state. Bad input throws
 * {@link IllegalArgumentException} before anything is written, so the state is unchanged.
 *
 * <p>Read, change, write: two operators changing one model at the same instant can lose one change (the last write
 * wins); the state record names who made it.
 */
public final class RolloutControl {
    private final ModelCatalog models;
    private final RolloutCatalog rollouts;

    public RolloutControl(ModelCatalog models, RolloutCatalog rollouts) {
        this.models = models;
        this.rollouts = rollouts;
    }

    public RolloutState status(String model) {
        return rollouts.state(model);
    }

    public RolloutState promote(String model, int version, String reason) {
        requireVersion(model, version);
        return change(model, s -> s.promote(version, RolloutChange.now("promote", reason, null)));
    }

    public RolloutState rollback(String model, String reason) {
        return change(model, s -> s.rollback(RolloutChange.now("rollback", reason, null)));
    }

    public RolloutState canary(String model, int version, int weight, String reason) {
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("canary weight must be 0 to 100 (percent of requests), got " + weight);
        }
        requireVersion(model, version);
        return change(model, s -> s.withCanary(version, weight, RolloutChange.now("canary", reason, null)));
    }

    public RolloutState stopCanary(String model, String reason) {
        return change(model, s -> s.withoutCanary(RolloutChange.now("canary-stop", reason, null)));
    }

    public RolloutState shadow(String model, int version, String reason) {
        requireVersion(model, version);
        return change(model, s -> s.withShadow(version, RolloutChange.now("shadow", reason, null)));
    }

    public RolloutState stopShadow(String model, String reason) {
        return change(model, s -> s.withoutShadow(RolloutChange.now("shadow-stop", reason, null)));
    }

    public RolloutState rule(String model, RolloutRule rule, double margin, String reason) {
        return change(model, s -> s.withRule(rule, margin, RolloutChange.now("rule", reason, null)));
    }

    private void requireVersion(String model, int version) {
        models.inventory().require(model, version);
    }

    private RolloutState change(String model, UnaryOperator<RolloutState> transition) {
        RolloutState before = rollouts.states().get(model);
        if (before == null) {
            // A name without a state serves its newest version: that is the production the change starts from.
            Integer newest = models.versions().stream().filter(v -> v.name().equals(model))
                    .map(v -> v.version()).max(Integer::compare).orElse(null);
            before = RolloutState.initial(model, newest);
        }
        RolloutState after = transition.apply(before);
        rollouts.write(after);
        return after;
    }
}
