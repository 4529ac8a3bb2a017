package dev.pixelflow.inference;

import java.util.HashMap;
import java.util.Map;

/**
 * The current version of each model name, as one immutable snapshot: the request loop reads it once per batch,
 * so a batch is answered by one set of models even while a new version is swapped in.
 */
public record ServingModels(Map<String, LoadedModel> byName) {
    public static final ServingModels EMPTY = new ServingModels(Map.of());

    public ServingModels {
        byName = Map.copyOf(byName);
    }

    public LoadedModel get(String name) {
        return byName.get(name);
    }

    /** The most recently published of the loaded models, or null when none is loaded. */
    public LoadedModel latest() {
        LoadedModel best = null;
        for (LoadedModel m : byName.values()) {
            if (best == null || m.offset() > best.offset()) {
                best = m;
            }
        }
        return best;
    }

    /** This snapshot with {@code model} as its name's current version. */
    public ServingModels with(LoadedModel model) {
        Map<String, LoadedModel> next = new HashMap<>(byName);
        next.put(model.name(), model);
        return new ServingModels(next);
    }

    public boolean contains(LoadedModel model) {
        return byName.get(model.name()) == model;
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }
}
