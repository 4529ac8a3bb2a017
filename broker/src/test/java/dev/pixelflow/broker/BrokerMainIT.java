package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
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
    void twoBrokersGivenOnlyTheirPortsRunSideBySide() throws Exception {
        assumeThat(JAR).as("packaged jar (run through mvn verify)").isRegularFile();
        int first = freePortPair();
        int second = freePortPair();
        while (Math.abs(second - first) < 2) {
            second = freePortPair();
        }
        List<Process> brokers = new ArrayList<>();
        try {
            for (int port : List.of(first, second)) {
                // No --controller-port: each takes the port after its client port, not a shared 9093.
                brokers.add(launch(work.resolve(port + ".stdout"), work.resolve(port + ".stderr"),
                        "--port", Integer.toString(port), "--data-dir", work.resolve("data-" + port).toString()));
            }
            for (int port : List.of(first, second)) {
                Path stdout = work.resolve(port + ".stdout");
                Path stderr = work.resolve(port + ".stderr");
                await().atMost(Duration.ofSeconds(90))
                        .failFast("broker on " + port + " exited: " + stderr, () -> brokers.stream().anyMatch(p -> !p.isAlive()))
                        .until(() -> Files.readString(stdout).endsWith("\n"));
            }
            for (int port : List.of(first, second)) {
                String bootstrap = "127.0.0.1:" + port;
                String topic = "side-by-side-" + port;
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic)
                            .noneMatch(name -> name.startsWith("side-by-side-") && !name.equals(topic));
                }
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
                    RecordMetadata written = producer.send(new ProducerRecord<>(topic, "k", "on " + port)).get(30, TimeUnit.SECONDS);
                    assertThat(written.offset()).isZero();
                }
                assertThat(Files.readString(work.resolve(port + ".stderr")))
                        .contains("controller port " + (port + 1));
            }
        } finally {
            brokers.forEach(Process::destroy);
            for (Process broker : brokers) {
                if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                    broker.destroyForcibly();
                }
            }
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
                .isEqualTo("pixelflow broker: Invalid value for option '--port': expected " + PortConverter.FORMS
                        + ", got 'not-a-port' (see: bin/pixelflow broker --help)");
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

    /** A free port whose next port is free too: a broker given only --port takes both. */
    private static int freePortPair() throws IOException {
        while (true) {
            int port = LocalPorts.pickFree();
            if (port < 65_535) {
                try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getByName("127.0.0.1"))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
    }
}
