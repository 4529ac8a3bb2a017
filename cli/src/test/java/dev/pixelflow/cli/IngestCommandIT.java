package dev.pixelflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.ingest.IngestSettings;
import dev.pixelflow.ingest.IngestWorker;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import dev.pixelflow.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ingest command against the real broker, alone and followed by the ingest worker. */
@ExtendWith(KafkaBrokerExtension.class)
class IngestCommandIT {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    @Test
    void sendsEveryPhotoOfAFolderWithItsLabelAndFileName(KafkaTestBroker broker) {
        String prefix = broker.uniqueName("cli-ingest") + ".";
        Path train = TestDatasets.dogsVsCats().resolve("train");
        int code = PixelflowCli.run("ingest", train.toString(), "--no-wait", "--bootstrap", broker.bootstrapServers(),
                "--topic-prefix", prefix);
        assertThat(code).isZero();
        List<ConsumerRecord<String, byte[]>> raw = readAll(broker.bootstrapServers(), new Topics(prefix).imagesRaw.name());
        assertThat(raw).hasSize(4000);
        Map<String, Long> labels = raw.stream().collect(Collectors.groupingBy(
                r -> MessageHeaders.text(r.headers(), MessageHeaders.LABEL), Collectors.counting()));
        assertThat(labels).containsOnly(Map.entry("cat", 2000L), Map.entry("dog", 2000L));
        assertThat(raw).allSatisfy(r -> {
            assertThat(MessageHeaders.text(r.headers(), MessageHeaders.CONTENT_TYPE)).isEqualTo("image/jpeg");
            assertThat(MessageHeaders.text(r.headers(), MessageHeaders.FILENAME)).endsWith(".jpg");
        });
    }

    @Test
    void reportsWhatItSkipsAndFailsWhenNothingCanBeSent(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("cli-skip") + ".";
        Path dir = Files.createTempDirectory("pixelflow-skip");
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Files.createSymbolicLink(dir.resolve("loop"), dir);
        int code = PixelflowCli.run("ingest", dir.toString(), "--no-wait", "--bootstrap", broker.bootstrapServers(),
                "--topic-prefix", prefix);
        assertThat(code).isEqualTo(1);
        assertThat(PixelflowCli.run("ingest", dir.resolve("missing").toString(), "--bootstrap", broker.bootstrapServers()))
                .isEqualTo(1);
    }

    @Test
    void fashionMnistTestFileBecomesTenThousandGrayscaleTensors(KafkaTestBroker broker) {
        assumeThat(Files.exists(FASHION)).as("Debian package dataset-fashion-mnist is installed").isTrue();
        String prefix = broker.uniqueName("cli-fashion") + ".";
        Topics topics = new Topics(prefix);
        IngestWorker worker = ingestWorker(broker, prefix);
        worker.start();
        try {
            // No --no-wait: ingest returns once the worker has committed past every image, so all are tensors now.
            int code = PixelflowCli.run("ingest", FASHION.toString(), "--size", "28x28x1", "--bootstrap",
                    broker.bootstrapServers(), "--topic-prefix", prefix, "--ingest-group", prefix + "ingest");
            assertThat(code).isZero();
        } finally {
            worker.stop();
        }
        TensorRecordSerde serde = new TensorRecordSerde();
        List<TensorRecord> tensors = readAll(broker.bootstrapServers(), topics.tensors.name()).stream()
                .map(r -> serde.deserialize(r.topic(), r.value())).toList();
        assertThat(tensors).hasSize(10_000);
        assertThat(tensors).allSatisfy(t -> assertThat(t.shape()).isEqualTo(new ImageShape(28, 28, 1)));
        Map<String, Long> perClass = tensors.stream().collect(Collectors.groupingBy(TensorRecord::labelName, Collectors.counting()));
        assertThat(perClass).hasSize(10).allSatisfy((name, n) -> assertThat(n).isEqualTo(1000L));
        assertThat(perClass).containsKeys("T-shirt/top", "Ankle boot");
        assertThat(tensors).allSatisfy(t -> assertThat(t.labelIndex()).isBetween(0, 9));
        assertThat(readAll(broker.bootstrapServers(), topics.imagesDlq.name())).isEmpty();
    }

    static IngestWorker ingestWorker(KafkaTestBroker broker, String prefix) {
        ConfigSource src = ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "PIXELFLOW_TOPIC_PREFIX", prefix, "PIXELFLOW_INSTANCE_ID", prefix + "ingest",
                "PIXELFLOW_INGEST_GROUP", prefix + "ingest", "PIXELFLOW_IMAGE_SIZE", "32x32x3"));
        return new IngestWorker(WorkerContext.create("ingest", src, 0, new SimpleMeterRegistry()), IngestSettings.from(src));
    }

    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        return TopicReader.readAll(bootstrap, topic);
    }
}
