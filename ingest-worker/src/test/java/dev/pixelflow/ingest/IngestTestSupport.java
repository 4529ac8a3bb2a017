package dev.pixelflow.ingest;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.testkit.TestProducers;
import dev.pixelflow.testkit.TopicReader;
import dev.pixelflow.testkit.WorkerEnvironment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Producing raw images and reading back what the worker wrote, for the ingest integration tests. */
final class IngestTestSupport {
    private IngestTestSupport() {
    }

    static Map<String, String> env(String bootstrap, String prefix, String... more) {
        return WorkerEnvironment.of(bootstrap, prefix, "ingest", more);
    }

    static IngestWorker worker(Map<String, String> env) {
        ConfigSource src = ConfigSource.of(env);
        WorkerContext ctx = WorkerContext.create("ingest", src, 0, new SimpleMeterRegistry());
        return new IngestWorker(ctx, IngestSettings.from(src));
    }

    static List<Path> photos(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
        }
    }

    /** What the ingest command sends for a file: the Kaggle file-name label rule. */
    static ProducerRecord<String, byte[]> rawRecord(String topic, Path file) throws IOException {
        String name = file.getFileName().toString();
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.FILENAME, MessageHeaders.utf8(name));
        h.add(MessageHeaders.CONTENT_TYPE, MessageHeaders.utf8("image/jpeg"));
        h.add(MessageHeaders.LABEL, MessageHeaders.utf8(name.substring(0, name.indexOf('.'))));
        return new ProducerRecord<>(topic, null, name, Files.readAllBytes(file), h);
    }

    static void send(String bootstrap, List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = TestProducers.bytes(bootstrap)) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        return TopicReader.readAll(bootstrap, topic);
    }

    static List<TensorRecord> tensors(List<ConsumerRecord<String, byte[]>> records) {
        TensorRecordSerde serde = new TensorRecordSerde();
        return records.stream().map(r -> serde.deserialize(r.topic(), r.value())).collect(Collectors.toList());
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        return MessageHeaders.text(r.headers(), name);
    }
}
