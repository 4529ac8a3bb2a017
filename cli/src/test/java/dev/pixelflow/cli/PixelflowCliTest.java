package dev.pixelflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the top-level command line answers to words and options it does not know. */
class PixelflowCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    @Test
    void unknownCommandWithHelpSaysItDoesNotExistAndFails() {
        int code = PixelflowCli.run("promote", "--help");

        assertThat(code).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("pixelflow: unknown command 'promote'; the commands are ingest, train, models, classify, eval,")
                .contains("(see: bin/pixelflow --help)");
    }

    @Test
    void unknownCommandAloneFailsTheSameWay() {
        assertThat(PixelflowCli.run("promote")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("pixelflow: unknown command 'promote';");
    }

    @Test
    void errorsNameTheProgramOnce() {
        assertThat(PixelflowCli.run("--bogus")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("pixelflow: Unknown option: '--bogus'")
                .contains("(see: bin/pixelflow --help)")
                .doesNotContain("pixelflow pixelflow");
    }

    @Test
    void aCommandsErrorsNameTheCommand() {
        assertThat(PixelflowCli.run("train", "--bogus")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("pixelflow train: Unknown option: '--bogus'")
                .contains("(see: bin/pixelflow train --help)");
    }

    @Test
    void flipTtaWithoutFlippedTrainingImagesIsRefusedBeforeAnythingIsSent() {
        assertThat(PixelflowCli.run("train", "--bootstrap", "127.0.0.1:1", "--recipe", "fashion-mnist", "--tta"))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--tta averages each answer with the mirror image's, "
                + "but augmentation the recipe's never shows the network a mirrored image");
    }

    @Test
    void aKnownCommandsHelpStillWorks() {
        assertThat(PixelflowCli.run("ingest", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: pixelflow ingest");
    }

    @Test
    void typedOptionsNameTheOptionAndTheValidForms() {
        assertThat(PixelflowCli.run("ingest", "x", "--size", "64x64")).isEqualTo(2);
        assertThat(PixelflowCli.run("train", "--timeout", "5 minutes")).isEqualTo(2);
        assertThat(PixelflowCli.run("eval", "x", "--labels", "dirname")).isEqualTo(2);
        assertThat(PixelflowCli.run("classify", "x", "--timeout", "soon")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("(see:")).toList()).containsExactly(
                "pixelflow ingest: Invalid value for option '--size': expected HxWxC with C 1 or 3 (e.g. 150x150x3), got '64x64'",
                "pixelflow train: Invalid value for option '--timeout': expected a duration like 500ms, 30s, 5m or 1h,"
                        + " got '5 minutes'",
                "pixelflow eval: Invalid value for option '--labels': expected filename, folder or none, got 'dirname'",
                "pixelflow classify: Invalid value for option '--timeout': expected a duration like 500ms, 30s, 5m or 1h,"
                        + " got 'soon'");
    }
}
