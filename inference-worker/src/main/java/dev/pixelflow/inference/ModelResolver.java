package dev.pixelflow.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which model answers a request: the one it pins, the name it asks for, {@code PIXELFLOW_MODEL}, or the most
 * recently published one. Also the request loop's half of the swap: at the start of each batch it takes the
 * store's snapshot and retires engines that no batch can use any more. Request-loop thread only.
 */
final class ModelResolver implements AutoCloseable {

    /** A model to use, or the error code and sentence to answer with. */
    record Resolution(LoadedModel model, String error, String detail) {
        static Resolution of(LoadedModel model) {
            return new Resolution(model, null, null);
        }

        static Resolution error(String code, String detail) {
            return new Resolution(null, code, detail);
        }

        boolean ok() {
            return model != null;
        }
    }

    private final ModelStore store;
    private final PinnedModels pinned;
    private final ModelRef defaultModel;
    /** Replaced engines that the last snapshot still held; retired at a later batch. */
    private final List<LoadedModel> retiring = new ArrayList<>();
    private ServingModels snapshot = ServingModels.EMPTY;

    ModelResolver(ModelStore store, PinnedModels pinned, ModelRef defaultModel) {
        this.store = store;
        this.pinned = pinned;
        this.defaultModel = defaultModel;
    }

    /** Takes the models for one batch; engines replaced before it move to the pinned cache. */
    ServingModels beginBatch() {
        snapshot = store.current();
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
    Map<ModelRef, Resolution> resolveAll(Iterable<ModelRef> refs) {
        Map<ModelRef, Resolution> out = new HashMap<>();
        Resolution none = null;
        for (ModelRef ref : refs) {
            if (ref == null) {
                if (none == null) {
                    none = resolve(null);
                }
                continue;
            }
            out.computeIfAbsent(ref, this::resolve);
        }
        if (none != null) {
            out.put(null, none);
        }
        return out;
    }

    Resolution resolve(ModelRef requested) {
        ModelRef ref = requested != null ? requested : defaultModel;
        if (ref == null) {
            LoadedModel latest = snapshot.latest();
            return latest != null ? Resolution.of(latest)
                    : Resolution.error(ErrorCodes.NO_MODEL, "no model is loaded yet (none published, or none loadable)");
        }
        LoadedModel current = snapshot.get(ref.name());
        if (!ref.pinned()) {
            if (current != null) {
                return Resolution.of(current);
            }
            return Resolution.error(ErrorCodes.NO_MODEL, store.knowsName(ref.name())
                    ? "model '" + ref.name() + "' has no version this worker can serve"
                    : "no model named '" + ref.name() + "' has been published");
        }
        if (current != null && current.version() == ref.version()) {
            return Resolution.of(current);
        }
        String key = ref.toString();
        LoadedModel cached = pinned.cached(key);
        if (cached != null) {
            return Resolution.of(cached);
        }
        if (!store.knows(ref.name(), ref.version())) {
            return Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION, "no version " + key + " has been published");
        }
        String broken = store.brokenReason(key);
        if (broken != null) {
            return Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION, key + " cannot be served: " + broken);
        }
        try {
            Optional<LoadedModel> loaded = pinned.load(key);
            return loaded.map(Resolution::of).orElseGet(() -> Resolution.error(ErrorCodes.UNKNOWN_MODEL_VERSION,
                    "no version " + key + " is on the models topic"));
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
