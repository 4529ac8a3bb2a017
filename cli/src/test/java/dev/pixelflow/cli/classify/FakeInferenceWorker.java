package dev.pixelflow.cli.classify;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestProducers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Answers classify requests by the wire contract without a model: the label is looked up by the image's
 * sha256, unknown bytes get {@code unsupported-format}, a pinned unknown version gets
 * {@code unknown-model-version}, and images it is told to ignore get no answer at all.
 */
final class FakeInferenceWorker implements AutoCloseable {
    static final String MODEL = "pets";
    static final int VERSION = 7;

    private final Map<String, String> labelBySha;
    private final Set<String> ignored = ConcurrentHashMap.newKeySet();
    /** The {@code tta} header of each request in arrival order ("-" where there was none). */
    private final List<String> ttaHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, ClassifyResult> producer;
    private final String resultsTopic;
    private final Thread thread;
    private volatile boolean stopping;

    FakeInferenceWorker(KafkaTestBroker broker, String requestsTopic, String resultsTopic, Map<String, String> labelBySha) {
        this.labelBySha = Map.copyOf(labelBySha);
        this.resultsTopic = resultsTopic;
        Properties c = new Properties();
        c.put("bootstrap.servers", broker.bootstrapServers());
        c.put("group.id", broker.uniqueName("fake-worker"));
        c.put("auto.offset.reset", "earliest");
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        producer = TestProducers.create(broker.bootstrapServers(), new StringSerializer(), ClassifyResult.SERDE,
                Map.of("linger.ms", 1));
        consumer.subscribe(List.of(requestsTopic));
        thread = new Thread(this::run, "fake-inference-worker");
        thread.start();
    }

    /** Images with these bytes get no answer. */
    void ignore(byte[] image) {
        ignored.add(ContentHash.sha256Hex(image));
    }

    List<String> ttaHeaders() {
        return List.copyOf(ttaHeaders);
    }

    private void run() {
        try {
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    String sha = ContentHash.sha256Hex(r.value());
                    String tta = MessageHeaders.text(r.headers(), MessageHeaders.TTA);
                    ttaHeaders.add(tta == null ? "-" : tta);
                    if (ignored.contains(sha)) {
                        continue;
                    }
                    String correlation = MessageHeaders.text(r.headers(), MessageHeaders.CORRELATION_ID);
                    String model = MessageHeaders.text(r.headers(), MessageHeaders.MODEL);
                    String label = labelBySha.get(sha);
                    ClassifyResult result;
                    if (model != null && !model.equals(MODEL) && !model.equals(MODEL + ":" + VERSION)) {
                        result = ClassifyResult.failure(r.key(), correlation, "unknown-model-version", "no version " + model,
                                null, null, 1, null);
                    } else if (label == null) {
                        result = ClassifyResult.failure(r.key(), correlation, "unsupported-format", "not an image", MODEL,
                                VERSION, 1, null);
                    } else {
                        result = ClassifyResult.answer(r.key(), correlation, label, 0.9,
                                Map.of(label, 0.9, label.equals("cat") ? "dog" : "cat", 0.1), MODEL, VERSION, 1, "production");
                    }
                    RecordHeaders h = new RecordHeaders();
                    h.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8(correlation));
                    producer.send(new ProducerRecord<>(resultsTopic, null, r.key(), result, h));
                }
                producer.flush();
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            // stopping
        } finally {
            consumer.close();
            producer.close();
        }
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
