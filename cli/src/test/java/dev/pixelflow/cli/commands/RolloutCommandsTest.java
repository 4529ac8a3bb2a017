package dev.pixelflow.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.cli.PixelflowCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
