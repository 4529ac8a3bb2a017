package dev.pixelflow.inference;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.rollout.RolloutState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which model answers a request: the version it pins, an alias of its name, its name's production version (or the
 * canary, for the canary's share of request ids), {@code PIXELFLOW_MODEL}, or the most recently published model.
 * A name without a rollout state serves its newest version. Also the request loop's half of the swap: at the start
 * of each batch it takes the store's snapshot and the rollout states, and retires engines that no batch can use
 * any more. Request-loop thread only.
 */
final class ModelResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelResolver.class);

    /** A model to use and the route to it, or the error code and sentence to answer with. */
    record Resolution(LoadedModel model, String route, String error, String detail) {
        static Resolution of(LoadedModel model, String route) {
            return new Resolution(model, route, null, null);
        }

        static Resolution error(String code, String detail) {
            return new Resolution(null, null, code, detail);
        }

        boolean ok() {
            return model != null;
        }
    }

    /**
     * Where the requests with one model reference go: {@code main}, or {@code canary} for {@code weight} percent of
     * request ids; {@code shadow} (may be null) also classifies what production answers.
     */
    record Target(Resolution main, Resolution canary, int weight, LoadedModel shadow) {
        static Target of(Resolution r) {
            return new Target(r, null, 0, null);
        }

        Resolution pick(String requestId) {
            return canary != null && CanaryRouter.toCanary(requestId, weight) ? canary : main;
        }

        /** The shadow for a request that {@code picked} answers, or null. */
        LoadedModel shadowFor(Resolution picked) {
            return picked == main && picked.ok() && ClassifyResult.PRODUCTION.equals(picked.route()) ? shadow : null;
        }
    }

    private final ModelStore store;
    private final PinnedModels pinned;
    private final ModelRef defaultModel;
    private final Supplier<Map<String, RolloutState>> rollouts;
    /** Replaced engines that the last snapshot still held; retired at a later batch. */
    private final List<LoadedModel> retiring = new ArrayList<>();
    private ServingModels snapshot = ServingModels.EMPTY;
    private Map<String, RolloutState> states = Map.of();

    ModelResolver(ModelStore store, PinnedModels pinned, ModelRef defaultModel) {
        this(store, pinned, defaultModel, Map::of);
    }

    /** @param rollouts the latest rollout state of each model that has one */
    ModelResolver(ModelStore store, PinnedModels pinned, ModelRef defaultModel,
                  Supplier<Map<String, RolloutState>> rollouts) {
        this.store = store;
        this.pinned = pinned;
        this.defaultModel = defaultModel;
        this.rollouts = rollouts;
    }

    /** Takes the models and rollout states for one batch; engines replaced before it move to the pinned cache. */
    ServingModels beginBatch() {
        snapshot = store.current();
        states = rollouts.get();
        Set<String> inRollout = new HashSet<>();
        states.values().forEach(s -> {
            for (Integer v : new Integer[] {s.production(), s.canary(), s.shadow()}) {
                if (v != null) {
                    inRollout.add(s.model() + ":" + v);
                }
            }
        });
        pinned.keep(inRollout);
        retiring.addAll(store.drainRetired());
        for (Iterator<LoadedModel> it = retiring.iterator(); it.hasNext(); ) {
            LoadedModel m = it.next();
            if (!snapshot.contains(m)) {
                it.remove();
                pinned.put(m);
            }
        }
        return snapshot;
    }

    /** Resolves every distinct reference of a batch once: a pinned load reads the models topic. */
    Map<ModelRef, Target> resolveAll(Iterable<ModelRef> refs) {
        Map<ModelRef, Target> out = new HashMap<>();
        for (ModelRef ref : refs) {
            if (!out.containsKey(ref)) {
                out.put(ref, target(ref));
            }
        }
        return out;
    }

    /** Where one reference's requests go (the canary's share included). */
    Target target(ModelRef requested) {
        ModelRef ref = requested != null ? requested : defaultModel;
        if (ref == null) {
            LoadedModel latest = snapshot.latest();
            if (latest == null) {
                return Target.of(Resolution.error(ErrorCodes.NO_MODEL,
                        "no model is loaded yet (none published, or none loadable)"));
            }
            ref = new ModelRef(latest.name(), null);
        }
        if (ref.pinned()) {
            return Target.of(version(ref.name(), ref.version(), ClassifyResult.PINNED));
        }
        RolloutState state = states.get(ref.name());
        if (ModelRef.CANARY.equals(ref.alias())) {
            return Target.of(state == null || state.canary() == null
                    ? Resolution.error(ErrorCodes.NO_MODEL, "model '" + ref.name() + "' has no canary")
                    : version(ref.name(), state.canary(), ClassifyResult.CANARY));
        }
        Resolution production = production(ref.name(), state);
        if (state == null || !production.ok()) {
            return Target.of(production);
        }
        LoadedModel shadow = null;
        if (state.shadow() != null) {
            Resolution s = version(ref.name(), state.shadow(), "shadow");
            if (s.ok()) {
                shadow = s.model();
            } else {
                LOG.warn("rollout: shadow {}:{} not run: {}", ref.name(), state.shadow(), s.detail());
            }
        }
        Resolution canary = null;
        if (state.canary() != null && state.canaryWeight() > 0 && !ModelRef.PRODUCTION.equals(ref.alias())) {
            canary = version(ref.name(), state.canary(), ClassifyResult.CANARY);
            if (!canary.ok()) {
                // Production answers the canary's share rather than failing it.
                LOG.warn("rollout: canary {}:{} not served: {}", ref.name(), state.canary(), canary.detail());
                canary = null;
            }
        }
        return new Target(production, canary, canary == null ? 0 : state.canaryWeight(), shadow);
    }

    /** Kept for callers that need no routing: the main resolution of a reference. */
    Resolution resolve(ModelRef requested) {
        return target(requested).main();
    }

    private Resolution production(String name, RolloutState state) {
        if (state == null) {
            LoadedModel current = snapshot.get(name);
            if (current != null) {
                return Resolution.of(current, ClassifyResult.PRODUCTION);
            }
            return Resolution.error(ErrorCodes.NO_MODEL, store.knowsName(name)
                    ? "model '" + name + "' has no version this worker can serve"
                    : "no model named '" + name + "' has been published");
        }
        if (state.production() == null) {
            return Resolution.error(ErrorCodes.NO_MODEL, "model '" + name + "' has no production version (promote one: "
                    + "bin/pixelflow models promote " + name + ":VERSION)");
        }
        return version(name, state.production(), ClassifyResult.PRODUCTION);
    }

    private Resolution version(String name, int version, String route) {
        LoadedModel current = snapshot.get(name);
        if (current != null && current.version() == version) {
            return Resolution.of(current, route);
        }
        String key = name + ":" + version;
        LoadedModel cached = pinned.cached(key);
        if (cached != null) {
            return Resolution.of(cached, route);
        }
        if (!store.knows(name, version)) {
            return Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION, "no version " + key + " has been published");
        }
        String broken = store.brokenReason(key);
        if (broken != null) {
            return Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION, key + " cannot be served: " + broken);
        }
        try {
            Optional<LoadedModel> loaded = pinned.load(key);
            return loaded.map(m -> Resolution.of(m, route)).orElseGet(() -> Resolution.error(
                    ErrorCodes.UNKNOWN_MODEL_VERSION, "no version " + key + " is on the models topic"));
        } catch (ModelLoadException e) {
            store.markBroken(key, e.getMessage());
            return Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION, key + " cannot be served: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        retiring.forEach(LoadedModel::close);
        retiring.clear();
        pinned.close();
    }
}
