package dev.pixelflow.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.cli.PixelflowCli;
import dev.pixelflow.common.rollout.RolloutChange;
import dev.pixelflow.common.rollout.RolloutRule;
import dev.pixelflow.common.rollout.RolloutState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutCommandsTest {
    @Test
    void versionReferencesNeedANameAndAPositiveVersion() {
        assertThat(RolloutCommands.VersionRef.parse("cats-dogs:3")).isEqualTo(new RolloutCommands.VersionRef("cats-dogs", 3));
        for (String bad : new String[] {"cats", "cats:", ":3", "cats:0", "cats:x"}) {
            assertThatThrownBy(() -> RolloutCommands.VersionRef.parse(bad)).as(bad).hasMessageContaining("NAME:VERSION");
        }
    }

    @Test
    void statusListsEveryChangeOldestFirstWithWhenWhoWhatAndWhy() {
        RolloutState s = RolloutState.initial("cats", 1)
                .promote(2, new RolloutChange("promote", "ann@ops-1", Instant.parse("2026-12-06T09:00:00.123Z"), "v2 is better",
                        null))
                .withCanary(3, 10, new RolloutChange("canary", "bob@ops-2", Instant.parse("2026-12-06T10:00:00Z"), null, null))
                .rollback(new RolloutChange("rollback", "ann@ops-1", Instant.parse("2026-12-06T11:00:00Z"), "p99 doubled", null));
        assertThat(RolloutCommands.changeLines(s)).containsExactly(
                "2026-12-06T09:00:00Z  promote      ann@ops-1             production cats:1 -> cats:2 (reason: v2 is better)",
                "2026-12-06T10:00:00Z  canary       bob@ops-2             canary cats:3 at 10%",
                "2026-12-06T11:00:00Z  rollback     ann@ops-1             production cats:2 rolled back to cats:1"
                        + " (reason: p99 doubled)");
        assertThat(RolloutCommands.changeLines(RolloutState.initial("cats"))).containsExactly("(none)");
    }

    @Test
    void statusSaysWhenEarlierChangesAreNoLongerKept() {
        RolloutState s = RolloutState.initial("cats", 1);
        for (int i = 0; i <= RolloutState.HISTORY_KEPT; i++) {
            s = s.withRule(RolloutRule.MANUAL, 0, new RolloutChange("rule", "op@host", Instant.ofEpochSecond(i), null, null));
        }
        List<String> lines = RolloutCommands.changeLines(s);
        assertThat(lines).hasSize(RolloutState.HISTORY_KEPT + 2);
        assertThat(lines.get(0)).contains("earlier changes are not kept");
        assertThat(lines.get(lines.size() - 1)).startsWith("1970-01-01T00:01:40Z  rule");
    }

    @Test
    void aCanaryNeedsAWeightOrStopAndRefusesBoth() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertThat(PixelflowCli.run("models", "canary", "cats:2")).isEqualTo(2);
            assertThat(PixelflowCli.run("models", "canary", "cats:2", "--weight", "10", "--stop")).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString()).contains("--weight", "--stop");
    }
}
