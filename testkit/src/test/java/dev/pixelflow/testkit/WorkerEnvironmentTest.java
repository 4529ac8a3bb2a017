package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerEnvironmentTest {
    @Test
    void namesTheClusterPrefixAndInstanceAndLetsPairsWin() {
        Map<String, String> env = WorkerEnvironment.of("127.0.0.1:1", "t1.", "ingest", "PIXELFLOW_HTTP_PORT", "8081",
                "PIXELFLOW_INGEST_BATCH", "64");
        assertThat(env).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1").containsEntry("PIXELFLOW_TOPIC_PREFIX", "t1.")
                .containsEntry("PIXELFLOW_INSTANCE_ID", "t1.ingest").containsEntry("PIXELFLOW_HTTP_PORT", "8081")
                .containsEntry("PIXELFLOW_INGEST_BATCH", "64").hasSize(5);
    }

    @Test
    void anUnpairedNameIsRefused() {
        assertThatThrownBy(() -> WorkerEnvironment.of("b", "p", "i", "PIXELFLOW_INGEST_BATCH"))
                .hasMessageContaining("pairs");
    }
}
