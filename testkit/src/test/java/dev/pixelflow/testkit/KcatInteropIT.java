package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * librdkafka (through kcat) and the Java client agree on bytes, keys and headers against our broker: the
 * ingest path may be fed by non-Java producers. Skipped when kcat is not installed (CI: apt-get install kcat).
 */
@ExtendWith(KafkaBrokerExtension.class)
class KcatInteropIT {
    private static final String IMAGE = "test/cat.2000.jpg";
    private static Path kcat;

    @TempDir
    Path work;

    @BeforeAll
    static void needsKcat() {
        Optional<Path> found = onPath("kcat");
        assumeTrue(found.isPresent(), "kcat is not on PATH; install it (apt-get install kcat) to run KcatInteropIT");
        kcat = found.get();
    }

    @Test
    void kcatProducesAJpegThatJavaReadsBackByteForByteWithHeaders(KafkaTestBroker broker) throws Exception {
        Path image = dataset().resolve(IMAGE);
        byte[] expected = Files.readAllBytes(image);
        String topic = broker.uniqueName("kcat-jpeg");
        broker.createTopic(topic, 1);

        // A file argument (without -l) is sent as exactly one message, whatever bytes it holds.
        run(List.of(kcat.toString(), "-P", "-b", broker.bootstrapServers(), "-t", topic, "-k", "cat.2000",
                "-H", "filename=cat.2000.jpg", "-H", "content-type=image/jpeg", image.toString()));

        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        String group = broker.uniqueName("kcat");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties(group))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        assertThat(records).hasSize(1);
        ConsumerRecord<byte[], byte[]> record = records.get(0);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("cat.2000");
        assertThat(record.value()).hasSize(expected.length).isEqualTo(expected);
        assertThat(headers(record)).containsExactly(
                Map.entry("filename", "cat.2000.jpg"), Map.entry("content-type", "image/jpeg"));
    }

    @Test
    void kcatReadsTheKeyHeadersAndSizeOfAJavaRecord(KafkaTestBroker broker) throws Exception {
        Path image = dataset().resolve(IMAGE);
        byte[] bytes = Files.readAllBytes(image);
        String topic = broker.uniqueName("java-jpeg");
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, utf8("cat.2000"), bytes);
            record.headers().add("filename", utf8("cat.2000.jpg")).add("content-type", utf8("image/jpeg"));
            producer.send(record).get(10, TimeUnit.SECONDS);
        }

        String out = run(List.of(kcat.toString(), "-C", "-b", broker.bootstrapServers(), "-t", topic,
                "-o", "beginning", "-c", "1", "-e", "-f", "%k|%S|%h\\n"));

        assertThat(out.strip())
                .isEqualTo("cat.2000|" + bytes.length + "|filename=cat.2000.jpg,content-type=image/jpeg");
    }

    private String run(List<String> command) throws IOException, InterruptedException {
        Path stdout = work.resolve("kcat-" + System.nanoTime() + ".out");
        Path stderr = work.resolve("kcat-" + System.nanoTime() + ".err");
        Process process = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean exited = process.waitFor(30, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited && process.exitValue() == 0)
                .as("%s exited %s; stderr: %s", command, exited ? process.exitValue() : "never",
                        Files.readString(stderr))
                .isTrue();
        return Files.readString(stdout);
    }

    private static Path dataset() {
        Optional<Path> root = TestDatasets.findDogsVsCats();
        assumeTrue(root.isPresent(), "no shared/datasets/dogs-vs-cats above " + Path.of("").toAbsolutePath());
        return root.get();
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Optional<Path> onPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        try (Stream<String> dirs = Stream.of(path.split(File.pathSeparator))) {
            return dirs.filter(dir -> !dir.isBlank())
                    .map(dir -> Path.of(dir, executable))
                    .filter(Files::isExecutable)
                    .findFirst();
        }
    }
}
