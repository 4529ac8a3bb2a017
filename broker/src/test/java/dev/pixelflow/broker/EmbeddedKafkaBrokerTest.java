package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start failures that are caught before Kafka itself runs, so they cost milliseconds. */
class EmbeddedKafkaBrokerTest {
    @TempDir
    Path tempDir;

    @Test
    void portInUseIsReportedByNumber() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(tempDir).port(port).build());

            assertThatThrownBy(broker::start)
                    .isInstanceOf(BrokerStartException.class)
                    .hasMessageStartingWith("Kafka port 127.0.0.1:" + port + " is already in use");
            assertThat(broker.isRunning()).isFalse();
        }
    }

    @Test
    void dataDirThatIsAFileIsRejected() throws IOException {
        Path file = Files.writeString(tempDir.resolve("not-a-dir"), "x");
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(file).build());

        assertThatThrownBy(broker::start)
                .isInstanceOf(BrokerStartException.class)
                .hasMessage("data dir " + file.toAbsolutePath() + " exists but is not a directory");
    }

    @Test
    void accessorsNeedARunningBrokerAndCloseIsIdempotent() {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(tempDir).build());

        assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not running");
        broker.close();
        broker.close();
        assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was already started");
    }

    @Test
    void corruptMetaPropertiesIsReportedWithItsPath() throws IOException {
        Path logDir = Files.createDirectories(tempDir.resolve(EmbeddedKafkaBroker.LOG_DIR_NAME));
        Path meta = Files.writeString(logDir.resolve("meta.properties"), "version=1\n");

        assertThatThrownBy(() -> new EmbeddedKafkaBroker(BrokerOptions.builder(tempDir).build()).start())
                .isInstanceOf(BrokerStartException.class)
                .hasMessageContaining(meta.toAbsolutePath() + " has no cluster.id");
    }
}
