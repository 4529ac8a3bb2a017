package dev.pixelflow.ingest;

import static dev.pixelflow.ingest.IngestTestSupport.photos;
import static dev.pixelflow.ingest.IngestTestSupport.rawRecord;
import static dev.pixelflow.ingest.IngestTestSupport.readAll;
import static dev.pixelflow.ingest.IngestTestSupport.send;
import static dev.pixelflow.ingest.IngestTestSupport.tensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGKILL the ingest worker in the middle of 4,000 photos, restart it: every input exactly once in tensors or the DLQ. */
@ExtendWith(KafkaBrokerExtension.class)
class IngestCrashIT {

    @Test
    void aKilledWorkerNeitherLosesNorDuplicates(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("ingest-crash") + ".";
        Topics topics = new Topics(prefix);
        List<Path> files = photos(TestDatasets.dogsVsCats().resolve("train"));
        Map<String, String> env = IngestTestSupport.env(broker.bootstrapServers(), prefix,
                "PIXELFLOW_INGEST_BATCH", "64", "KAFKA_SESSION_TIMEOUT_MS", "6000");
        // Topics exist before the first worker starts, so the records below wait for it.
        IngestWorker creator = IngestTestSupport.worker(env);
        creator.start();
        creator.stop();
        List<ProducerRecord<String, byte[]>> raw = new ArrayList<>();
        for (Path f : files) {
            raw.add(rawRecord(topics.imagesRaw.name(), f));
        }
        send(broker.bootstrapServers(), raw);

        Process first = startWorker(env);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size() >= 600);
        } finally {
            first.destroyForcibly().waitFor();
        }
        int atKill = readAll(broker.bootstrapServers(), topics.tensors.name()).size();
        assertThat(atKill).isLessThan(4000);

        Process second = startWorker(env);
        try {
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size()
                            + readAll(broker.bootstrapServers(), topics.imagesDlq.name()).size() >= 4000);
        } finally {
            second.destroy();
            second.waitFor();
        }
        List<TensorRecord> out = tensors(readAll(broker.bootstrapServers(), topics.tensors.name()));
        int dlq = readAll(broker.bootstrapServers(), topics.imagesDlq.name()).size();
        Map<String, Long> perSource = out.stream().collect(Collectors.groupingBy(TensorRecord::sourceId, Collectors.counting()));
        assertThat(dlq).isZero();
        assertThat(out).hasSize(4000);
        assertThat(perSource).hasSize(4000).allSatisfy((source, count) -> assertThat(count).isEqualTo(1L));
        assertThat(perSource.keySet()).containsAll(files.stream().map(p -> p.getFileName().toString())
                .collect(Collectors.toList()));
        System.out.printf("crash test: %d tensors committed when killed, 4000 after restart, none twice%n", atKill);
    }

    private static Process startWorker(Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                IngestWorkerMain.class.getName());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(new File(System.getProperty("java.io.tmpdir"), "ingest-crash-worker.log"));
        return pb.start();
    }

}
