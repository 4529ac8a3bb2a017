package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged jar the way scripts do: {@code java -jar target/pixelflow-broker.jar ...}. */
class BrokerMainIT {
    private static final Path JAR = Path.of("target", "pixelflow-broker.jar");

    @TempDir
    Path work;

    @Test
    void printsOneReadyLineRefusesATakenPortAndStopsOnSigterm() throws Exception {
        assumeThat(JAR).as("packaged jar (run through mvn verify)").isRegularFile();
        Path dataDir = work.resolve("data");
        Path brokerStdout = work.resolve("broker.stdout");
        Path brokerStderr = work.resolve("broker.stderr");
        int port = LocalPorts.pickFree();
        int controllerPort = LocalPorts.pickFree();

        Process broker = launch(brokerStdout, brokerStderr, "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--data-dir", dataDir.toString());
        try {
            // Generous bound: on an idle 2-core machine the line comes after ~5 s, but parallel builds slow it.
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(brokerStdout).endsWith("\n"));
            assertThat(Files.readAllLines(brokerStdout))
                    .containsExactly("pixelflow broker ready: bootstrap=127.0.0.1:" + port
                            + " data=" + dataDir.toAbsolutePath());

            Path secondStderr = work.resolve("second.stderr");
            Process second = launch(work.resolve("second.stdout"), secondStderr, "--port", Integer.toString(port),
                    "--controller-port", Integer.toString(LocalPorts.pickFree()), "--data-dir", work.resolve("second").toString());
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isEqualTo(1);
            assertThat(work.resolve("second.stdout")).isEmptyFile();
            assertThat(Files.readAllLines(secondStderr))
                    .containsExactly("pixelflow broker: Kafka port 127.0.0.1:" + port
                            + " is already in use (Address already in use)");

            broker.destroy(); // SIGTERM
            assertThat(broker.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readAllLines(brokerStdout)).as("nothing but the ready line on stdout").hasSize(1);
            assertThat(Files.readString(brokerStderr)).contains("stopped in");
            assertThat(dataDir.resolve(EmbeddedKafkaBroker.LOG_DIR_NAME).resolve(".kafka_cleanshutdown")).exists();
        } finally {
            broker.destroyForcibly();
        }
    }

    @Test
    void badArgumentIsOneLineOnStderrAndExitOne() throws Exception {
        assumeThat(JAR).as("packaged jar (run through mvn verify)").isRegularFile();
        Path stderr = work.resolve("stderr");
        Process process = launch(work.resolve("stdout"), stderr, "--port", "not-a-port");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(Files.readAllLines(stderr)).singleElement().asString()
                .startsWith("pixelflow broker: --port must be a port number in 1..65535, got 'not-a-port'; usage:");
    }

    private static Process launch(Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        // Files, not pipes: an unread pipe blocks the child once full, and destroy() closes the pipes.
        return new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }
}
