package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.ModelVersion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import dev.pixelflow.common.model.ModelCatalog;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelStoreTest {
    private static final List<String> CLASSES = List.of("cat", "dog");
    private final List<String> loads = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final ModelStore store = new ModelStore((m, artifact, offset) -> {
        loads.add(m.ref());
        if (artifact.length == 0) {
            throw new ModelLoadException("empty artifact");
        }
        return new LoadedModel(m, new FakeEngine(2), offset);
    }, ref -> {
        // The topic as the catalog reads it: cats:1 is good, every other version is broken.
        ModelRef r = ModelRef.parse(ref);
        return Optional.of(new ModelCatalog.Loaded(v(r.name(), r.version()), r.version() == 1 ? new byte[] {1} : new byte[0]));
    }, metrics);

    @AfterEach
    void close() {
        store.close();
    }

    private static ModelVersion v(String name, int version) {
        return FakeEngine.manifest(name, version, CLASSES);
    }

    @Test
    void beforeCatchingUpOnlyTheNewestVersionPerNameIsLoadedThenItIsReady() throws Exception {
        store.onVersion(v("cats", 1), new byte[] {1}, 10);
        store.onVersion(v("cats", 2), new byte[] {1}, 20);
        store.onVersion(v("birds", 1), new byte[] {1}, 30);
        assertThat(store.ready()).isFalse();
        assertThat(store.hasModel()).isFalse();
        store.onCaughtUp();
        assertThat(store.awaitReady(Duration.ofSeconds(5))).isTrue();
        assertThat(loads).containsExactly("cats:2", "birds:1");
        assertThat(store.current().get("cats").version()).isEqualTo(2);
        assertThat(store.current().latest().ref()).isEqualTo("birds:1");
        assertThat(store.knows("cats", 1)).isTrue();
        assertThat(store.knows("cats", 3)).isFalse();
        assertThat(metrics.get("pixelflow_inference_model_version").tag("model", "cats").gauge().value()).isEqualTo(2.0);
    }

    @Test
    void aNewVersionIsSwappedInAndTheOldOneHandedBackForClosing() {
        store.onCaughtUp();
        store.onVersion(v("cats", 1), new byte[] {1}, 10);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.current().get("cats") != null);
        LoadedModel first = store.current().get("cats");
        store.onVersion(v("cats", 2), new byte[] {1}, 20);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.current().get("cats").version() == 2);
        assertThat(store.drainRetired()).containsExactly(first);
        assertThat(store.drainRetired()).isEmpty();
        assertThat(metrics.get("pixelflow_inference_model_swaps").counter().count()).isEqualTo(2.0);
    }

    @Test
    void whenTheNewestVersionIsBrokenAndNothingIsServedAnOlderOneIsReadBack() throws Exception {
        store.onVersion(v("cats", 1), new byte[] {1}, 10);
        store.onVersion(v("cats", 2), new byte[0], 20);
        store.onVersion(v("cats", 3), new byte[0], 30);
        store.onCaughtUp();
        assertThat(store.awaitReady(Duration.ofSeconds(5))).isTrue();
        // Only cats:3 was kept from the catch-up; cats:2 then cats:1 come back from the catalog.
        assertThat(loads).containsExactly("cats:3", "cats:2", "cats:1");
        assertThat(store.current().get("cats").version()).isEqualTo(1);
        assertThat(store.current().get("cats").offset()).isEqualTo(30);
        assertThat(store.brokenReason("cats:3")).isNotNull();
        assertThat(store.brokenReason("cats:2")).isNotNull();
    }

    @Test
    void aVersionThatFailsToLoadIsRememberedAndTheServedOneKept() {
        store.onCaughtUp();
        store.onVersion(v("cats", 1), new byte[] {1}, 10);
        store.onVersion(v("cats", 2), new byte[0], 20);
        store.onVersion(v("cats", 1), new byte[] {1}, 30);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.brokenReason("cats:2") != null);
        await().atMost(Duration.ofSeconds(5)).until(() -> loads.size() == 2);
        assertThat(store.brokenReason("cats:2")).contains("empty artifact");
        assertThat(store.current().get("cats").version()).isEqualTo(1);
        // A republished older version is not loaded again.
        assertThat(loads).containsExactly("cats:1", "cats:2");
    }

    @Test
    void theSwapHookRunsWithTheNewerVersionLoadedWhileTheOlderOneIsStillServed() {
        java.util.concurrent.atomic.AtomicReference<ModelStore> self = new java.util.concurrent.atomic.AtomicReference<>();
        List<String> atHook = new CopyOnWriteArrayList<>();
        ModelStore hooked = new ModelStore((m, artifact, offset) -> new LoadedModel(m, new FakeEngine(2), offset),
                ref -> Optional.empty(), new SimpleMeterRegistry(),
                ref -> atHook.add(ref + " while serving " + self.get().current().get("cats").ref()));
        self.set(hooked);
        try {
            hooked.onCaughtUp();
            hooked.onVersion(v("cats", 1), new byte[] {1}, 10);
            hooked.onVersion(v("cats", 2), new byte[] {1}, 20);
            await().atMost(Duration.ofSeconds(5)).until(() -> hooked.current().get("cats").version() == 2);
            // Not called for the first version: there is nothing to swap it for.
            assertThat(atHook).containsExactly("cats:2 while serving cats:1");
        } finally {
            hooked.close();
        }
    }
}
