package dev.pixelflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.ingest.IngestWorker;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import dev.pixelflow.testkit.TopicReader;
import dev.pixelflow.trainer.TrainerSettings;
import dev.pixelflow.trainer.TrainerWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingest} returns once its images have landed, so what comes right after it sees all of them. */
@ExtendWith(KafkaBrokerExtension.class)
class IngestLandingIT {
    @TempDir
    Path dir;

    @Test
    void returnsWhenEveryImageIsATensorOrADeadLetterAndCountsThem(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("cli-landing") + ".";
        Topics topics = new Topics(prefix);
        Random random = new Random(7);
        for (int i = 0; i < 6; i++) {
            writePng(dir.resolve("red." + i + ".png"), random);
            writePng(dir.resolve("blue." + i + ".png"), random);
        }
        // A JPEG by its first bytes, so the command sends it; the worker cannot decode it.
        byte[] broken = new byte[600];
        random.nextBytes(broken);
        broken[0] = (byte) 0xFF;
        broken[1] = (byte) 0xD8;
        broken[2] = (byte) 0xFF;
        broken[3] = (byte) 0xE0;
        Files.write(dir.resolve("blue.99.jpg"), broken);

        IngestWorker worker = IngestCommandIT.ingestWorker(broker, prefix);
        worker.start();
        String output;
        try {
            output = runCapturingOutput("ingest", dir.toString(), "--size", "32x32x3", "--bootstrap",
                    broker.bootstrapServers(), "--topic-prefix", prefix, "--ingest-group", prefix + "ingest");
        } finally {
            worker.stop();
        }

        assertThat(output).containsPattern("(?m)^12 tensors, 1 dead letter \\(reason: [a-z-]+\\)$")
                .contains("blue.99.jpg: ");
        // Read right after the command returned, without waiting: the outputs were committed with the offsets.
        assertThat(TopicReader.readAll(broker.bootstrapServers(), topics.tensors.name())).hasSize(12);
        List<ConsumerRecord<String, byte[]>> dead = TopicReader.readAll(broker.bootstrapServers(), topics.imagesDlq.name());
        assertThat(dead).singleElement().satisfies(r -> assertThat(MessageHeaders.text(r.headers(), MessageHeaders.FILENAME))
                .endsWith("blue.99.jpg"));
        String reason = MessageHeaders.text(dead.get(0).headers(), MessageHeaders.ERROR_REASON);
        assertThat(output).contains("1 dead letter (reason: " + reason + ")");
    }

    @Test
    void trainRightAfterIngestTrainsOnEveryImage(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("cli-ingest-train") + ".";
        Topics topics = new Topics(prefix);
        Path train = TestDatasets.dogsVsCats().resolve("train");
        IngestWorker ingest = IngestCommandIT.ingestWorker(broker, prefix);
        ConfigSource trainerSource = ConfigSource.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "PIXELFLOW_TOPIC_PREFIX", prefix, "PIXELFLOW_INSTANCE_ID", prefix + "trainer",
                "PIXELFLOW_TRAINER_GROUP", prefix + "trainer", "PIXELFLOW_STATE_DIR", dir.resolve("trainer").toString()));
        TrainerWorker trainer = new TrainerWorker(WorkerContext.create("trainer", trainerSource, 0, new SimpleMeterRegistry()),
                TrainerSettings.from(trainerSource));
        ingest.start();
        trainer.start();
        String ingestOutput;
        int trainCode;
        try {
            ingestOutput = runCapturingOutput("ingest", train.toString(), "--limit-per-class", "20", "--size", "32x32x3",
                    "--bootstrap", broker.bootstrapServers(), "--topic-prefix", prefix, "--ingest-group", prefix + "ingest");
            trainCode = PixelflowCli.run("train", "--model", "landing", "--size", "32x32x3", "--preset", "small-cnn",
                    "--epochs", "1", "--batch", "8", "--augment", "none", "--timeout", "5m",
                    "--bootstrap", broker.bootstrapServers(), "--topic-prefix", prefix);
        } finally {
            trainer.stop();
            ingest.stop();
        }

        assertThat(ingestOutput).contains("sent 40 images").containsPattern("(?m)^40 tensors, 0 dead letters$");
        assertThat(trainCode).isZero();
        String started = TopicReader.readAll(broker.bootstrapServers(), topics.trainingMetrics.name()).stream()
                .map(r -> TrainingEvent.SERDE.deserialize(r.topic(), r.value()))
                .filter(e -> e.type() == TrainingEvent.Type.STARTED).map(TrainingEvent::message)
                .findFirst().orElseThrow();
        Matcher counts = Pattern.compile("^(\\d+) training and (\\d+) validation images").matcher(started);
        assertThat(counts.find()).as(started).isTrue();
        assertThat(Integer.parseInt(counts.group(1)) + Integer.parseInt(counts.group(2))).as(started).isEqualTo(40);
    }

    private static void writePng(Path file, Random random) throws Exception {
        BufferedImage image = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ImageIO.write(image, "png", file.toFile());
    }

    /** Runs a command with System.out captured (the commands print there) and echoed for the test log. */
    private static String runCapturingOutput(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = PixelflowCli.run(args);
        } finally {
            System.setOut(saved);
        }
        String output = buffer.toString(StandardCharsets.UTF_8);
        System.out.print(output);
        assertThat(code).as(output).isZero();
        return output;
    }
}
