package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelResolverTest {
    private static final List<String> CLASSES = List.of("cat", "dog");
    private final ModelLoader loader = (m, artifact, offset) -> new LoadedModel(m, new FakeEngine(2), offset);
    private final ModelStore store = new ModelStore(loader, ref -> Optional.empty(), new SimpleMeterRegistry());
    private final List<String> catalogReads = new ArrayList<>();

    @AfterEach
    void close() {
        store.close();
    }

    private ModelResolver resolver(ModelRef defaultModel, int pinnedCapacity) {
        return new ModelResolver(store, new PinnedModels(pinnedCapacity, ref -> {
            catalogReads.add(ref);
            ModelRef r = ModelRef.parse(ref);
            return store.knows(r.name(), r.version())
                    ? Optional.of(new ModelCatalog.Loaded(FakeEngine.manifest(r.name(), r.version(), CLASSES), new byte[] {1}))
                    : Optional.empty();
        }, loader), defaultModel);
    }

    private void publish(String name, int version, long offset) {
        ModelVersion m = FakeEngine.manifest(name, version, CLASSES);
        store.onVersion(m, new byte[] {1}, offset);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            LoadedModel cur = store.current().get(name);
            return cur != null && cur.version() == version;
        });
    }

    @Test
    void withoutAnyModelEveryRequestGetsNoModel() {
        store.onCaughtUp();
        ModelResolver resolver = resolver(null, 3);
        resolver.beginBatch();
        assertThat(resolver.resolve(null).error()).isEqualTo(ErrorCodes.NO_MODEL);
        assertThat(resolver.resolve(ModelRef.parse("cats")).error()).isEqualTo(ErrorCodes.NO_MODEL);
        assertThat(resolver.resolve(ModelRef.parse("cats:1")).error()).isEqualTo(ErrorCodes.UNKNOWN_MODEL_VERSION);
    }

    @Test
    void theDefaultIsTheMostRecentlyPublishedUnlessConfigured() {
        store.onCaughtUp();
        publish("cats", 1, 10);
        publish("birds", 1, 20);
        ModelResolver latest = resolver(null, 3);
        latest.beginBatch();
        assertThat(latest.resolve(null).model().ref()).isEqualTo("birds:1");
        assertThat(latest.resolve(ModelRef.parse("cats")).model().ref()).isEqualTo("cats:1");
        ModelResolver configured = resolver(ModelRef.parse("cats"), 3);
        configured.beginBatch();
        assertThat(configured.resolve(null).model().ref()).isEqualTo("cats:1");
        assertThat(configured.resolve(ModelRef.parse("fish")).detail()).contains("no model named 'fish'");
    }

    @Test
    void pinnedVersionsComeFromTheCurrentTheRetiredOrTheTopicAndUnknownOnesAreRefused() {
        store.onCaughtUp();
        publish("cats", 1, 10);
        ModelResolver resolver = resolver(null, 1);
        resolver.beginBatch();
        LoadedModel v1 = resolver.resolve(ModelRef.parse("cats:1")).model();
        assertThat(v1.ref()).isEqualTo("cats:1");

        publish("cats", 2, 20);
        resolver.beginBatch();
        // The replaced engine is kept for pinned requests, not closed, and not read again from the topic.
        assertThat(resolver.resolve(ModelRef.parse("cats:1")).model()).isSameAs(v1);
        assertThat(((FakeEngine) v1.engine()).closed).isFalse();
        assertThat(resolver.resolve(null).model().version()).isEqualTo(2);
        assertThat(catalogReads).isEmpty();

        publish("cats", 3, 30);
        resolver.beginBatch();
        // Capacity 1: cats:2 pushes cats:1 out, which is closed; pinning cats:1 again reads the topic.
        assertThat(((FakeEngine) v1.engine()).closed).isTrue();
        LoadedModel again = resolver.resolve(ModelRef.parse("cats:1")).model();
        assertThat(again.ref()).isEqualTo("cats:1");
        assertThat(again).isNotSameAs(v1);
        assertThat(catalogReads).containsExactly("cats:1");

        ModelResolver.Resolution unknown = resolver.resolve(ModelRef.parse("cats:99"));
        assertThat(unknown.error()).isEqualTo(ErrorCodes.UNKNOWN_MODEL_VERSION);
        assertThat(unknown.detail()).contains("cats:99");
    }

    @Test
    void anEngineStillInTheBatchSnapshotIsNotRetiredYet() {
        store.onCaughtUp();
        publish("cats", 1, 10);
        ModelResolver resolver = resolver(null, 1);
        ServingModels snapshot = resolver.beginBatch();
        LoadedModel v1 = snapshot.get("cats");
        publish("cats", 2, 20);
        // The batch that holds v1 is still running: v1 must stay usable until the next batch begins.
        assertThat(((FakeEngine) v1.engine()).closed).isFalse();
        assertThat(resolver.beginBatch().get("cats").version()).isEqualTo(2);
        publish("cats", 3, 30);
        publish("cats", 4, 40);
        resolver.beginBatch();
        assertThat(((FakeEngine) v1.engine()).closed).isTrue();
        resolver.close();
    }
}
