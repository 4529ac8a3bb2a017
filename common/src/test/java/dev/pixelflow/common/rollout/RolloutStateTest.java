package dev.pixelflow.common.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutStateTest {
    private static final RolloutChange BY_TEST = new RolloutChange("test", "tester@host", Instant.EPOCH, "because", null);

    private static RolloutState production(int version) {
        return RolloutState.initial("cats").promote(version, BY_TEST);
    }

    static ModelVersion version(int v, double valAccuracy) {
        ImageShape shape = new ImageShape(8, 8, 3);
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, "cats", v, Instant.EPOCH, "job", "samediff", "{}", Map.of(), 1,
                List.of(new EpochMetrics(1, 0.5, 0.5, 0.5, valAccuracy, Map.of(), 1, 1)), List.of("cat", "dog"), shape,
                new PreprocessFingerprint(shape, "area", "unit", 1), "a".repeat(64), 1, 1);
    }

    @Test
    void promoteAndRollbackWalkTheProductionHistory() {
        RolloutState s = production(1).promote(2, BY_TEST).promote(3, BY_TEST);
        assertThat(s.production()).isEqualTo(3);
        assertThat(s.previous()).containsExactly(1, 2);
        assertThat(s.change().detail()).isEqualTo("production cats:2 -> cats:3");
        assertThat(s.change().reason()).isEqualTo("because");
        RolloutState back = s.rollback(BY_TEST);
        assertThat(back.production()).isEqualTo(2);
        assertThat(back.rollback(BY_TEST).production()).isEqualTo(1);
        assertThatThrownBy(() -> back.rollback(BY_TEST).rollback(BY_TEST))
                .hasMessageContaining("no earlier production version");
    }

    @Test
    void refusalsSayWhyAndLeaveTheStateAsItWas() {
        RolloutState s = production(2);
        assertThatThrownBy(() -> s.promote(2, BY_TEST)).hasMessageContaining("cats:2 is production already");
        assertThatThrownBy(() -> s.withCanary(3, 101, BY_TEST)).hasMessageContaining("0 to 100");
        assertThatThrownBy(() -> s.withCanary(3, -1, BY_TEST)).hasMessageContaining("0 to 100");
        assertThatThrownBy(() -> s.withCanary(2, 10, BY_TEST)).hasMessageContaining("a canary must be another version");
        assertThatThrownBy(() -> s.withShadow(2, BY_TEST)).hasMessageContaining("a shadow must be another version");
        assertThatThrownBy(() -> s.withoutCanary(BY_TEST)).hasMessageContaining("no canary");
        assertThatThrownBy(() -> s.withoutShadow(BY_TEST)).hasMessageContaining("no shadow");
        assertThatThrownBy(() -> s.withRule(RolloutRule.BETTER, 1.5, BY_TEST)).hasMessageContaining("margin");
        assertThatThrownBy(() -> RolloutState.initial("cats").withCanary(1, 10, BY_TEST))
                .hasMessageContaining("no production version");
        assertThat(s).isEqualTo(production(2));
    }

    @Test
    void promotingTheCanaryEndsTheCanary() {
        RolloutState s = production(1).withCanary(2, 10, BY_TEST).withShadow(3, BY_TEST);
        assertThat(s.canary()).isEqualTo(2);
        assertThat(s.canaryWeight()).isEqualTo(10);
        RolloutState promoted = s.promote(2, BY_TEST);
        assertThat(promoted.canary()).isNull();
        assertThat(promoted.canaryWeight()).isZero();
        assertThat(promoted.shadow()).isEqualTo(3);
        assertThat(promoted.withoutShadow(BY_TEST).shadow()).isNull();
    }

    @Test
    void underBetterOnlyAVersionThatBeatsProductionByTheMarginIsPromoted() {
        RolloutState s = production(1).withRule(RolloutRule.BETTER, 0.01, BY_TEST);
        ModelVersion current = version(1, 0.80);
        RolloutState worse = s.onPublished(version(2, 0.805), current, false, BY_TEST);
        assertThat(worse.production()).isEqualTo(1);
        assertThat(worse.change().detail()).contains("0.8050", "0.8000", "0.0100", "not promoted");
        RolloutState better = s.onPublished(version(3, 0.83), current, false, BY_TEST);
        assertThat(better.production()).isEqualTo(3);
        assertThat(better.previous()).containsExactly(1);
        assertThat(better.change().detail()).contains("0.8300", "0.8000", "promoted");
        assertThat(better.change().detail()).doesNotContain("note:");
    }

    @Test
    void newestPromotesManualAndCandidatesDoNot() {
        ModelVersion current = version(1, 0.9);
        assertThat(production(1).onPublished(version(2, 0.1), current, false, BY_TEST).production()).isEqualTo(2);
        assertThat(production(1).onPublished(version(2, 0.99), current, true, BY_TEST).production()).isEqualTo(1);
        RolloutState manual = production(1).withRule(RolloutRule.MANUAL, 0, BY_TEST);
        assertThat(manual.onPublished(version(2, 0.99), current, false, BY_TEST).production()).isEqualTo(1);
        assertThat(RolloutState.initial("cats").onPublished(version(1, 0.5), null, false, BY_TEST).production())
                .isEqualTo(1);
    }

    @Test
    void everyChangeIsKeptInTheStateOldestFirst() {
        RolloutChange canary = new RolloutChange("canary", "ann@ops", Instant.ofEpochSecond(10), "try v2", null);
        RolloutChange published = new RolloutChange("published", "trainer-1", Instant.ofEpochSecond(20), "job j3", null);
        RolloutChange rollback = new RolloutChange("rollback", "bob@ops", Instant.ofEpochSecond(30), "p99 doubled", null);
        RolloutState s = production(1).withCanary(2, 10, canary)
                .onPublished(version(3, 0.95), version(1, 0.80), false, published)
                .rollback(rollback);
        assertThat(s.changes()).extracting(RolloutChange::action)
                .containsExactly("test", "canary", "published", "rollback");
        assertThat(s.changes()).extracting(RolloutChange::by).containsExactly("tester@host", "ann@ops", "trainer-1", "bob@ops");
        assertThat(s.changes()).extracting(RolloutChange::detail).containsExactly("production (none) -> cats:1",
                "canary cats:2 at 10%", "cats:3 published (val accuracy 0.9500); rule newest: promoted over cats:1",
                "production cats:3 rolled back to cats:1");
        assertThat(s.history()).hasSize(3).last().isEqualTo(s.changes().get(2));
        assertThat(s.change()).isSameAs(s.changes().get(3));
        assertThat(RolloutState.initial("cats").changes()).isEmpty();
    }

    @Test
    void theHistoryKeepsTheLatestChangesOnly() {
        RolloutState s = production(1);
        for (int i = 0; i < RolloutState.HISTORY_KEPT + 5; i++) {
            s = s.withRule(RolloutRule.BETTER, i / 1000.0, new RolloutChange("rule", "op@host", Instant.ofEpochSecond(i),
                    null, null));
        }
        assertThat(s.history()).hasSize(RolloutState.HISTORY_KEPT);
        assertThat(s.changes()).hasSize(RolloutState.HISTORY_KEPT + 1);
        assertThat(s.changes().get(s.changes().size() - 1).detail()).isEqualTo("rule better (margin 0.1040)");
        assertThat(s.history().get(0).at()).as("the oldest kept").isEqualTo(Instant.ofEpochSecond(4));
    }

    @Test
    void aStateWrittenBeforeTheHistoryExistedReadsWithAnEmptyOne() {
        String old = "{\"schemaVersion\":1,\"model\":\"cats\",\"rule\":\"newest\",\"margin\":0.0,\"production\":2,"
                + "\"previous\":[1],\"canaryWeight\":0,\"change\":{\"action\":\"promote\",\"by\":\"a@b\","
                + "\"at\":\"2026-12-01T10:00:00Z\",\"detail\":\"production cats:1 -> cats:2\"}}";
        RolloutState s = RolloutState.SERDE.deserialize("t", old.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(s.history()).isEmpty();
        assertThat(s.changes()).extracting(RolloutChange::detail).containsExactly("production cats:1 -> cats:2");
    }

    @Test
    void roundTripsThroughJson() {
        RolloutState s = production(1).withCanary(2, 10, BY_TEST).withRule(RolloutRule.BETTER, 0.02, BY_TEST);
        assertThat(RolloutState.SERDE.deserialize("t", RolloutState.SERDE.serialize("t", s))).isEqualTo(s);
        assertThat(new String(RolloutState.SERDE.serialize("t", s), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"rule\":\"better\"", "\"canaryWeight\":10", "\"history\":[{\"action\":\"test\"")
                .doesNotContain("\"changes\"");
        assertThatThrownBy(() -> RolloutRule.parse("best")).hasMessageContaining("newest, better, manual");
    }

    @Test
    void aComparisonAcrossDifferentTensorSnapshotsSaysSo() {
        ModelVersion v1 = version(1, 0.80);
        ModelVersion later = version(2, 0.85);
        ModelVersion otherData = new ModelVersion(later.schemaVersion(), later.name(), later.version(), later.createdAt(),
                later.jobId(), later.engine(), later.request(), Map.of(0, 1_000L), later.epochs(), later.history(),
                later.classNames(), later.inputShape(), later.fingerprint(), later.artifactSha256(), later.artifactSize(),
                later.chunkCount());
        RolloutState s = production(1).withRule(RolloutRule.BETTER, 0, BY_TEST);
        assertThat(s.onPublished(otherData, v1, false, BY_TEST).change().detail())
                .contains("promoted", "different snapshots of the tensors topic");
    }
}
