package dev.pixelflow.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.pixelflow.broker.BrokerOptions;
import dev.pixelflow.broker.EmbeddedKafkaBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one broker of this test JVM, started lazily on first use: starting Kafka costs seconds, so every test
 * class shares it and isolates itself with unique topic and group names.
 */
final class SharedTestBroker {
    private static final Logger LOG = LoggerFactory.getLogger(SharedTestBroker.class);

    private static KafkaTestBroker broker;
    /** Why the named external broker cannot be used; kept so every later test fails at once with the same words. */
    private static IllegalStateException unreachable;
    private static AutoCloseable running;
    private static boolean hookInstalled;

    private SharedTestBroker() {
    }

    static synchronized KafkaTestBroker get() {
        if (unreachable != null) {
            throw new IllegalStateException(unreachable.getMessage());
        }
        if (broker == null) {
            start(BrokerSelection.from(System.getenv(), System.getProperties()));
        }
        return broker;
    }

    /** Stops what {@link #get()} started (nothing for an external broker). Idempotent; a later get() starts anew. */
    static synchronized void close() {
        AutoCloseable toClose = running;
        running = null;
        broker = null;
        if (toClose == null) {
            return;
        }
        try {
            toClose.close();
        } catch (Exception e) {
            LOG.warn("Stopping the test Kafka broker failed: {}", e.toString());
        }
    }

    private static void start(BrokerSelection selection) {
        if (selection.externalBootstrap().isPresent()) {
            try {
                broker = ExternalBrokerCheck.connect(selection.externalBootstrap().get(), selection.externalOrigin(),
                        ExternalBrokerCheck.TIMEOUT);
            } catch (IllegalStateException e) {
                unreachable = e;
                throw e;
            }
            LOG.info("Tests use the external Kafka broker at {}", broker.bootstrapServers());
            return;
        }
        boolean useDocker = switch (selection.mode()) {
            case EMBEDDED -> false;
            case TESTCONTAINERS -> true;
            case AUTO -> DockerProbe.dockerAvailable();
        };
        installShutdownHook();
        if (useDocker) {
            startContainer(selection.image());
        } else {
            startEmbedded();
        }
    }

    private static void startContainer(String image) {
        KafkaContainer container =
                new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"));
        container.start();
        running = container::stop;
        broker = new KafkaTestBroker(container.getBootstrapServers(), KafkaTestBroker.Source.TESTCONTAINERS);
        LOG.info("Tests use a Testcontainers Kafka ({}) at {}", image, broker.bootstrapServers());
    }

    private static void startEmbedded() {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("pixelflow-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp data dir for the embedded test broker", e);
        }
        EmbeddedKafkaBroker embedded;
        try {
            embedded = new EmbeddedKafkaBroker(BrokerOptions.builder(dataDir).build()).start();
        } catch (RuntimeException e) {
            deleteRecursively(dataDir);
            throw e;
        }
        running = () -> {
            try {
                embedded.close();
            } finally {
                deleteRecursively(dataDir);
            }
        };
        broker = new KafkaTestBroker(embedded.bootstrapServers(), KafkaTestBroker.Source.EMBEDDED);
        LOG.info("Tests use the in-process Kafka broker at {} (data {})", broker.bootstrapServers(), dataDir);
    }

    /** Backstop for code that used the static accessor without the extension's end-of-run cleanup. */
    private static void installShutdownHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(SharedTestBroker::close, "pixelflow-test-kafka-shutdown"));
            hookInstalled = true;
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete test broker data dir {}: {}", root, e.toString());
        }
    }
}
