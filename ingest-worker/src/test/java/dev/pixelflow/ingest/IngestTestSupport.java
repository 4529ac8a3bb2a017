package dev.pixelflow.ingest;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producing raw images and reading back what the worker wrote, for the ingest integration tests. */
final class IngestTestSupport {
    private IngestTestSupport() {
    }

    static Map<String, String> env(String bootstrap, String prefix, String... more) {
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "PIXELFLOW_TOPIC_PREFIX", prefix,
                "PIXELFLOW_HTTP_PORT", "0", "PIXELFLOW_INSTANCE_ID", prefix + "ingest"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
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

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("max.request.size", 21 * 1024 * 1024);
        p.put("linger.ms", 5);
        p.put("max.in.flight.requests.per.connection", 1); // see KafkaClients#producer: fresh topics
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static void send(String bootstrap, List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
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
