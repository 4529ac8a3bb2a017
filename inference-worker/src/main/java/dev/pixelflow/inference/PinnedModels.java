package dev.pixelflow.inference;

import dev.pixelflow.common.model.ModelCatalog;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Engines of versions that are not their name's current one, for requests that pin {@code NAME:VERSION}: a
 * small least-recently-used set, since each engine holds its weights in memory. A version that was current
 * a moment ago lands here when it is replaced, so pinning the previous version right after a swap costs no
 * load. Request-loop thread only.
 */
final class PinnedModels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PinnedModels.class);

    private final int capacity;
    private final Function<String, Optional<ModelCatalog.Loaded>> catalog;
    private final ModelLoader loader;
    private final Consumer<LoadedModel> closer;
    private final LinkedHashMap<String, LoadedModel> engines = new LinkedHashMap<>(16, 0.75f, true);
    /** Versions the rollout serves (production, canary, shadow): never evicted, whatever the capacity. */
    private Set<String> kept = Set.of();

    /** @param catalog reads one version's manifest and artifact from the models topic by {@code NAME:VERSION} */
    PinnedModels(int capacity, Function<String, Optional<ModelCatalog.Loaded>> catalog, ModelLoader loader) {
        this(capacity, catalog, loader, LoadedModel::close);
    }

    /** @param closer closes an evicted engine; the worker defers that until no queued batch can still use it */
    PinnedModels(int capacity, Function<String, Optional<ModelCatalog.Loaded>> catalog, ModelLoader loader,
                 Consumer<LoadedModel> closer) {
        this.capacity = capacity;
        this.catalog = catalog;
        this.loader = loader;
        this.closer = closer;
    }

    /** The cached engine of {@code ref} ({@code NAME:VERSION}), or null. */
    LoadedModel cached(String ref) {
        return engines.get(ref);
    }

    /** Loads {@code ref} from the topic into the cache; empty when the topic has no such version. */
    Optional<LoadedModel> load(String ref) throws ModelLoadException {
        LoadedModel hit = engines.get(ref);
        if (hit != null) {
            return Optional.of(hit);
        }
        Optional<ModelCatalog.Loaded> found = catalog.apply(ref);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        LoadedModel model = loader.load(found.get().version(), found.get().artifact(), -1);
        LOG.info("models: loaded pinned version {}", ref);
        put(model);
        return Optional.of(model);
    }

    /** The {@code NAME:VERSION}s the rollout serves now; they stay loaded beyond the capacity. */
    void keep(Set<String> refs) {
        kept = Set.copyOf(refs);
    }

    /** Keeps a model that is no longer current (closing the least recently used one beyond capacity). */
    void put(LoadedModel model) {
        LoadedModel old = engines.put(model.ref(), model);
        if (old != null && old != model) {
            closer.accept(old);
        }
        Iterator<Map.Entry<String, LoadedModel>> it = engines.entrySet().iterator();
        while (engines.size() > capacity && it.hasNext()) {
            LoadedModel evicted = it.next().getValue();
            if (kept.contains(evicted.ref())) {
                continue;
            }
            it.remove();
            LOG.debug("models: unloading pinned version {}", evicted.ref());
            closer.accept(evicted);
        }
    }

    int size() {
        return engines.size();
    }

    @Override
    public void close() {
        engines.values().forEach(LoadedModel::close);
        engines.clear();
    }
}
