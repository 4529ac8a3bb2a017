package dev.pixelflow.inference;

import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this worker serves. The follower thread reports every verified version; the newest of each name is
 * loaded on a background thread and swapped in with one atomic reference update, so the request loop never
 * waits for a load and never sees a half-swapped set. Replaced engines are handed back to the request loop
 * ({@link #drainRetired()}) because only that thread may close an engine it might still be using.
 *
 * <p>Until the follower has read the topic up to its end offsets as of start, versions are only collected (the
 * newest per name); then those are loaded and the store becomes {@link #ready()}, so the first requests are
 * answered by the models that were published before them rather than with a spurious "no-model".
 */
public final class ModelStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private record Published(ModelVersion manifest, byte[] artifact, long offset) {
    }

    private final ModelLoader loader;
    private final Function<String, Optional<ModelCatalog.Loaded>> catalog;
    private final MeterRegistry metrics;
    private final ExecutorService loadThread;
    private final AtomicReference<ServingModels> current = new AtomicReference<>(ServingModels.EMPTY);
    private final Queue<LoadedModel> retired = new ConcurrentLinkedQueue<>();
    private final Map<String, NavigableSet<Integer>> known = new ConcurrentHashMap<>();
    private final Map<String, String> broken = new ConcurrentHashMap<>();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Counter swaps;
    private final Object lifecycle = new Object();
    /** Follower thread only: the newest version per name seen before catching up. */
    private final Map<String, Published> beforeCatchUp = new HashMap<>();
    private final FaultHook beforeSwap;
    private volatile boolean caughtUp;
    private boolean closed;

    /**
     * @param catalog reads one {@code NAME:VERSION} from the models topic; used to fall back to an older version
     *                when the newest of a name cannot be loaded and nothing of that name is served yet
     */
    public ModelStore(ModelLoader loader, Function<String, Optional<ModelCatalog.Loaded>> catalog, MeterRegistry metrics) {
        this(loader, catalog, metrics, FaultHook.NONE);
    }

    /**
     * @param beforeSwap called on the load thread when a newer version of a served model is loaded, before it is
     *                   swapped in (the fault suite aims a kill between load and swap there)
     */
    public ModelStore(ModelLoader loader, Function<String, Optional<ModelCatalog.Loaded>> catalog, MeterRegistry metrics,
                      FaultHook beforeSwap) {
        this.beforeSwap = beforeSwap;
        this.loader = loader;
        this.catalog = catalog;
        this.metrics = metrics;
        this.loadThread = Executors.newSingleThreadExecutor(DaemonThreads.named("model-loader"));
        this.swaps = Counter.builder("pixelflow_inference_model_swaps").description("model versions swapped in")
                .register(metrics);
    }

    /** Follower thread: a verified version read at {@code offset} of the models topic. */
    public void onVersion(ModelVersion manifest, byte[] artifact, long offset) {
        known.computeIfAbsent(manifest.name(), n -> new ConcurrentSkipListSet<>()).add(manifest.version());
        if (!caughtUp) {
            beforeCatchUp.merge(manifest.name(), new Published(manifest, artifact, offset),
                    (old, neu) -> neu.manifest().version() >= old.manifest().version() ? neu : old);
            return;
        }
        submit(new Published(manifest, artifact, offset));
    }

    /** Follower thread: a version that failed verification. */
    public void onBroken(String ref, String reason) {
        broken.put(ref, reason);
    }

    /** Follower thread: everything published before start has been read; load it, then report ready. */
    public void onCaughtUp() {
        if (caughtUp) {
            return;
        }
        caughtUp = true;
        List<Published> newest = new ArrayList<>(beforeCatchUp.values());
        beforeCatchUp.clear();
        newest.sort(Comparator.comparingLong(Published::offset));
        LOG.info("models: caught up; loading {}", newest.stream().map(p -> p.manifest().ref()).toList());
        newest.forEach(this::submit);
        try {
            loadThread.execute(ready::countDown);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void submit(Published p) {
        try {
            loadThread.execute(() -> loadAndSwap(p));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("models: not loading {}: stopping", p.manifest().ref());
        }
    }

    private void loadAndSwap(Published p) {
        ModelVersion m = p.manifest();
        LoadedModel serving = current.get().get(m.name());
        if (serving != null && serving.version() >= m.version()) {
            LOG.info("models: {} is not newer than the served {}; not loading it", m.ref(), serving.ref());
            return;
        }
        long start = System.nanoTime();
        LoadedModel model = tryLoad(m, p.artifact(), p.offset());
        if (model == null && serving == null) {
            model = olderLoadable(m, p.offset());
        }
        if (model == null) {
            return;
        }
        if (serving != null) {
            beforeSwap.reached(m.ref());
        }
        synchronized (lifecycle) {
            if (closed) {
                model.close();
                return;
            }
            LoadedModel loaded = model;
            ServingModels before = current.getAndUpdate(s -> s.with(loaded));
            LoadedModel replaced = before.get(m.name());
            if (replaced != null) {
                retired.add(replaced);
            }
        }
        swaps.increment();
        gauge(m.name());
        LOG.info("models: serving {} ({} classes, input {}), loaded in {} ms{}", model.ref(), m.classNames().size(),
                m.inputShape(), (System.nanoTime() - start) / 1_000_000, serving == null ? "" : ", replacing " + serving.ref());
    }

    private LoadedModel tryLoad(ModelVersion m, byte[] artifact, long offset) {
        try {
            return loader.load(m, artifact, offset);
        } catch (ModelLoadException e) {
            broken.put(m.ref(), e.getMessage());
            LOG.warn("models: not serving {}: {}", m.ref(), e.getMessage());
        } catch (RuntimeException e) {
            broken.put(m.ref(), e.toString());
            LOG.warn("models: not serving {}: {}", m.ref(), e.toString(), e);
        }
        return null;
    }

    /**
     * The newest older version of a name that loads, read back from the topic: when a name's newest version is
     * broken and nothing of it is served, an older good one is better than answering "no-model".
     */
    private LoadedModel olderLoadable(ModelVersion broken, long offset) {
        NavigableSet<Integer> versions = known.get(broken.name());
        for (Integer v = versions == null ? null : versions.lower(broken.version()); v != null; v = versions.lower(v)) {
            String ref = broken.name() + ":" + v;
            if (this.broken.containsKey(ref)) {
                continue;
            }
            Optional<ModelCatalog.Loaded> found;
            try {
                found = catalog.apply(ref);
            } catch (RuntimeException e) {
                LOG.warn("models: cannot read {} from the topic to fall back to: {}", ref, e.toString());
                return null;
            }
            if (found.isPresent()) {
                // Published as of the broken version's offset: it stands in for that publication.
                LoadedModel model = tryLoad(found.get().version(), found.get().artifact(), offset);
                if (model != null) {
                    LOG.info("models: {} is broken; falling back to {}", broken.ref(), ref);
                    return model;
                }
            }
        }
        return null;
    }

    private void gauge(String name) {
        if (gauged.add(name)) {
            Gauge.builder("pixelflow_inference_model_version", current, ref -> {
                LoadedModel m = ref.get().get(name);
                return m == null ? Double.NaN : m.version();
            }).description("version served per model name").tag("model", name).register(metrics);
        }
    }

    /** The current models; read once per batch. */
    public ServingModels current() {
        return current.get();
    }

    /** Engines swapped out since the last call; the caller closes or keeps them once no batch uses them. */
    public List<LoadedModel> drainRetired() {
        List<LoadedModel> out = new ArrayList<>();
        for (LoadedModel m; (m = retired.poll()) != null; ) {
            out.add(m);
        }
        return out;
    }

    /** True once the versions published before start are loaded (or failed to load). */
    public boolean ready() {
        return ready.getCount() == 0;
    }

    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean hasModel() {
        return !current.get().isEmpty();
    }

    /** Whether a verified {@code name:version} has been published (loaded or not). */
    public boolean knows(String name, int version) {
        NavigableSet<Integer> versions = known.get(name);
        return versions != null && versions.contains(version);
    }

    public boolean knowsName(String name) {
        return known.containsKey(name);
    }

    /** Why a version is not served, or null when nothing went wrong with it. */
    public String brokenReason(String ref) {
        return broken.get(ref);
    }

    /** Remembers that a version could not be loaded, so it is not read from the topic again for every request. */
    public void markBroken(String ref, String reason) {
        broken.put(ref, reason);
    }

    @Override
    public void close() {
        loadThread.shutdownNow();
        try {
            if (!loadThread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("models: a model load did not finish within 30 s of stopping");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lifecycle) {
            closed = true;
            current.getAndSet(ServingModels.EMPTY).byName().values().forEach(LoadedModel::close);
            drainRetired().forEach(LoadedModel::close);
        }
    }
}
