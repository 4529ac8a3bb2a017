package dev.pixelflow.common.rollout;

import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.JsonSerde;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which versions of one model serve, on {@code models.rollout} keyed by the model name (compacted: the latest
 * record is the state). Each record is the whole state after one change, with that change. Transitions refuse bad
 * input with {@link IllegalArgumentException} and a sentence for the operator; they never return a half-changed
 * state.
 *
 * @param production   the version that answers requests naming only the model; null: none (requests get no-model)
 * @param previous     earlier production versions, most recent last: where {@code rollback} goes
 * @param canary       a version answering {@code canaryWeight} percent of the requests (by a hash of the request id)
 * @param shadow       a version that classifies production's requests too; its answers go to classify.shadow only
 * @param margin       under {@code better}: how much higher a new version's validation accuracy must be
 * @param change       the change that made this state (null for a state nobody changed yet)
 * @param history      the changes before {@code change}, oldest first, at most {@value #HISTORY_KEPT}: the topic is
 *                     compacted, so the record of a model's changes must travel in its latest state (absent in
 *                     records written before it existed: empty)
 */
public record RolloutState(int schemaVersion, String model, RolloutRule rule, double margin, Integer production,
                           List<Integer> previous, Integer canary, int canaryWeight, Integer shadow,
                           RolloutChange change, List<RolloutChange> history) implements Versioned {
    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<RolloutState> SERDE = new JsonSerde<>(RolloutState.class, "rollout state", SCHEMA_VERSION);
    /** Rollback depth kept; older production versions are still promotable by number. */
    static final int PREVIOUS_KEPT = 20;
    /** Changes kept before the current one: a few hundred bytes each, so a state stays well under 100 KB. */
    public static final int HISTORY_KEPT = 100;

    public RolloutState {
        if (model == null || model.isBlank() || model.contains(":")) {
            throw new IllegalArgumentException("field 'model' is required and must not contain ':'");
        }
        rule = rule == null ? RolloutRule.NEWEST : rule;
        if (!(margin >= 0 && margin <= 1)) {
            throw new IllegalArgumentException("margin must be between 0 and 1 (an accuracy difference), got " + margin);
        }
        if (canaryWeight < 0 || canaryWeight > 100) {
            throw new IllegalArgumentException("canary weight must be 0 to 100 (percent of requests), got " + canaryWeight);
        }
        previous = previous == null ? List.of() : List.copyOf(previous);
        if (previous.size() > PREVIOUS_KEPT) {
            previous = previous.subList(previous.size() - PREVIOUS_KEPT, previous.size());
        }
        if (canary == null) {
            canaryWeight = 0;
        }
        history = history == null ? List.of() : List.copyOf(history);
        if (history.size() > HISTORY_KEPT) {
            history = history.subList(history.size() - HISTORY_KEPT, history.size());
        }
    }

    /** A name that never had a rollout record behaves as this: newest version in production, nothing else. */
    public static RolloutState initial(String model) {
        return initial(model, null);
    }

    /** {@link #initial(String)} with the name's newest published version (null: none) as production. */
    public static RolloutState initial(String model, Integer newest) {
        return new RolloutState(SCHEMA_VERSION, model, RolloutRule.NEWEST, 0, newest, List.of(), null, 0, null, null,
                List.of());
    }

    /** Every change of this model that is kept, oldest first: the history, then the change that made this state. */
    public List<RolloutChange> changes() {
        if (change == null) {
            return history;
        }
        List<RolloutChange> all = new ArrayList<>(history);
        all.add(change);
        return List.copyOf(all);
    }

    public RolloutState promote(int version, RolloutChange change) {
        if (production != null && production == version) {
            throw new IllegalArgumentException(model + ":" + version + " is production already");
        }
        List<Integer> prev = new ArrayList<>(previous);
        if (production != null) {
            prev.add(production);
        }
        Integer keepCanary = canary != null && canary == version ? null : canary;
        Integer keepShadow = shadow != null && shadow == version ? null : shadow;
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, version, prev, keepCanary,
                keepCanary == null ? 0 : canaryWeight, keepShadow,
                change.withDetail("production " + ref(production) + " -> " + model + ":" + version), changes());
    }

    public RolloutState rollback(RolloutChange change) {
        if (previous.isEmpty()) {
            throw new IllegalArgumentException(model + " has no earlier production version to roll back to"
                    + (production == null ? "" : " (production is " + ref(production) + ")"));
        }
        List<Integer> prev = new ArrayList<>(previous);
        int back = prev.remove(prev.size() - 1);
        Integer keepCanary = canary != null && canary == back ? null : canary;
        Integer keepShadow = shadow != null && shadow == back ? null : shadow;
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, back, prev, keepCanary,
                keepCanary == null ? 0 : canaryWeight, keepShadow,
                change.withDetail("production " + ref(production) + " rolled back to " + model + ":" + back), changes());
    }

    public RolloutState withCanary(int version, int weight, RolloutChange change) {
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("canary weight must be 0 to 100 (percent of requests), got " + weight);
        }
        requireProduction("run a canary beside");
        if (production == version) {
            throw new IllegalArgumentException(model + ":" + version + " is production; a canary must be another version");
        }
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, version, weight, shadow,
                change.withDetail("canary " + model + ":" + version + " at " + weight + "%"), changes());
    }

    public RolloutState withoutCanary(RolloutChange change) {
        if (canary == null) {
            throw new IllegalArgumentException(model + " has no canary to stop");
        }
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, null, 0, shadow,
                change.withDetail("canary " + ref(canary) + " stopped"), changes());
    }

    public RolloutState withShadow(int version, RolloutChange change) {
        requireProduction("shadow");
        if (production == version) {
            throw new IllegalArgumentException(model + ":" + version + " is production; a shadow must be another version");
        }
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, canary, canaryWeight, version,
                change.withDetail("shadow " + model + ":" + version), changes());
    }

    public RolloutState withoutShadow(RolloutChange change) {
        if (shadow == null) {
            throw new IllegalArgumentException(model + " has no shadow to stop");
        }
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, canary, canaryWeight, null,
                change.withDetail("shadow " + ref(shadow) + " stopped"), changes());
    }

    public RolloutState withRule(RolloutRule newRule, double newMargin, RolloutChange change) {
        if (!(newMargin >= 0 && newMargin <= 1)) {
            throw new IllegalArgumentException("margin must be between 0 and 1 (an accuracy difference), got " + newMargin);
        }
        return new RolloutState(SCHEMA_VERSION, model, newRule, newMargin, production, previous, canary, canaryWeight,
                shadow, change.withDetail("rule " + newRule.word()
                        + (newRule == RolloutRule.BETTER ? String.format(Locale.ROOT, " (margin %.4f)", newMargin) : "")),
                changes());
    }

    /**
     * The state after {@code published} came out: production under the rule, or unchanged but for the change record.
     *
     * @param current   the production version's manifest (null when there is none)
     * @param candidate the job asked for its versions to be candidates only
     */
    public RolloutState onPublished(ModelVersion published, ModelVersion current, boolean candidate, RolloutChange change) {
        String verdict;
        boolean promote;
        double acc = valAccuracy(published);
        if (candidate) {
            promote = false;
            verdict = "a candidate only (train --candidate); production stays " + ref(production);
        } else if (rule == RolloutRule.MANUAL) {
            promote = false;
            verdict = "rule manual; production stays " + ref(production);
        } else if (production == null || current == null) {
            promote = rule == RolloutRule.NEWEST || production == null;
            verdict = promote ? "no production version yet: promoted" : "production " + ref(production)
                    + " is not on the models topic; not promoted";
        } else if (rule == RolloutRule.NEWEST) {
            promote = true;
            verdict = "rule newest: promoted over " + ref(production);
        } else {
            double base = valAccuracy(current);
            if (Double.isNaN(acc)) {
                promote = false;
                verdict = String.format(Locale.ROOT, "rule better: %s has no validation accuracy; production stays %s",
                        published.ref(), current.ref());
            } else if (Double.isNaN(base)) {
                promote = true;
                verdict = String.format(Locale.ROOT, "rule better: val accuracy %.4f, production %s has none: promoted",
                        acc, current.ref());
            } else {
                promote = acc > base + margin;
                verdict = String.format(Locale.ROOT, "rule better: val accuracy %.4f vs production %s's %.4f + margin "
                        + "%.4f = %.4f: %s", acc, current.ref(), base, margin, base + margin,
                        promote ? "promoted" : "not promoted, production stays " + current.ref())
                        + sameValidation(published, current);
            }
        }
        RolloutChange decided = change.withDetail(published.ref() + " published (val accuracy "
                + (Double.isNaN(acc) ? "n/a" : String.format(Locale.ROOT, "%.4f", acc)) + "); " + verdict);
        if (!promote) {
            return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, canary, canaryWeight, shadow,
                    decided, changes());
        }
        return promote(published.version(), decided).withChange(decided);
    }

    /** Whether {@link #onPublished} made the published version production. */
    public boolean serves(int version) {
        return production != null && production == version;
    }

    /** The same state made by another change (replaces {@code change}; the history is already this state's). */
    private RolloutState withChange(RolloutChange c) {
        return new RolloutState(SCHEMA_VERSION, model, rule, margin, production, previous, canary, canaryWeight, shadow, c,
                history);
    }

    /**
     * The split is by content hash, so two versions trained on the same snapshot of the same tensors were validated on
     * the same images; otherwise the comparison says so.
     */
    private static String sameValidation(ModelVersion a, ModelVersion b) {
        if (!a.fingerprint().equals(b.fingerprint())) {
            return " (note: different preprocessing, " + a.fingerprint().id() + " vs " + b.fingerprint().id()
                    + ": validated on different tensors)";
        }
        if (!a.datasetSnapshot().equals(b.datasetSnapshot())) {
            return " (note: trained on different snapshots of the tensors topic: the validation sets may differ)";
        }
        return "";
    }

    private void requireProduction(String what) {
        if (production == null) {
            throw new IllegalArgumentException(model + " has no production version to " + what + "; promote one first");
        }
    }

    private String ref(Integer version) {
        return version == null ? "(none)" : model + ":" + version;
    }

    private static double valAccuracy(ModelVersion v) {
        EpochMetrics last = v == null ? null : v.last();
        return last == null ? Double.NaN : last.valAccuracy();
    }
}
