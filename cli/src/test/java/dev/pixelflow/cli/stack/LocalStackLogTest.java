package dev.pixelflow.cli.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalStackLogTest {
    private static final String SERVING = "health and metrics on http://";

    @Test
    void aLineOfAnEarlierRunInTheSameLogDoesNotCount(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("ingest.log");
        Files.writeString(log, "06:01:39 INFO health and metrics on http://127.0.0.1:43887/health and /metrics\n");
        long start = LocalStack.sizeOf(log);
        Process running = new ProcessBuilder("sleep", "30").start();
        try {
            assertThatThrownBy(() -> LocalStack.waitForLine(running, log, start, SERVING, Duration.ofMillis(600)))
                    .isInstanceOf(IOException.class).hasMessageContaining("not ready within");
            Files.writeString(log, "07:29:56 INFO health and metrics on http://127.0.0.1:39219/health and /metrics\n",
                    StandardOpenOption.APPEND);
            assertThat(LocalStack.waitForLine(running, log, start, SERVING, Duration.ofSeconds(5))).contains(":39219/");
            assertThat(LocalStack.waitForLine(running, log, 0, SERVING, Duration.ofSeconds(5))).contains(":43887/");
        } finally {
            running.destroyForcibly();
        }
    }
}
