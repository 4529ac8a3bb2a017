package dev.pixelflow.ingest;

import static dev.pixelflow.ingest.IngestTestSupport.env;
import static dev.pixelflow.ingest.IngestTestSupport.header;
import static dev.pixelflow.ingest.IngestTestSupport.photos;
import static dev.pixelflow.ingest.IngestTestSupport.rawRecord;
import static dev.pixelflow.ingest.IngestTestSupport.readAll;
import static dev.pixelflow.ingest.IngestTestSupport.send;
import static dev.pixelflow.ingest.IngestTestSupport.tensors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.Split;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class IngestWorkerIT {

    @Test
    void ingestsTheFourThousandPhotosOnceWithStableSplits(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("ingest-all") + ".";
        Topics topics = new Topics(prefix);
        List<Path> files = photos(TestDatasets.dogsVsCats().resolve("train"));
        assertThat(files).hasSize(4000);
        IngestWorker worker = IngestTestSupport.worker(env(broker.bootstrapServers(), prefix));
        worker.start();
        try {
            List<ProducerRecord<String, byte[]>> raw = new ArrayList<>();
            for (Path f : files) {
                raw.add(rawRecord(topics.imagesRaw.name(), f));
            }
            send(broker.bootstrapServers(), raw);
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size() >= 4000);
            List<ConsumerRecord<String, byte[]>> first = readAll(broker.bootstrapServers(), topics.tensors.name());
            assertThat(first).hasSize(4000);
            List<TensorRecord> tensors = tensors(first);
            assertThat(tensors).allSatisfy(t -> assertThat(t.shape()).isEqualTo(new ImageShape(150, 150, 3)));
            Map<String, Long> perLabel = tensors.stream().collect(Collectors.groupingBy(TensorRecord::labelName, Collectors.counting()));
            assertThat(perLabel).containsEntry("cat", 2000L).containsEntry("dog", 2000L);
            double val = tensors.stream().filter(t -> t.split() == Split.VALIDATION).count() / 4000.0;
            assertThat(val).isBetween(0.18, 0.22);
            Map<String, byte[]> hashes = new HashMap<>();
            for (Path f : files) {
                hashes.put(f.getFileName().toString(), ContentHash.sha256(Files.readAllBytes(f)));
            }
            for (int i = 0; i < first.size(); i++) {
                TensorRecord t = tensors.get(i);
                assertThat(t.contentHash()).isEqualTo(hashes.get(t.sourceId()));
                assertThat(first.get(i).key()).isEqualTo(ContentHash.hex(t.contentHash()) + "@" + t.fingerprint().id());
            }
            Map<String, Split> splitByKey = new HashMap<>();
            for (int i = 0; i < first.size(); i++) {
                splitByKey.put(first.get(i).key(), tensors.get(i).split());
            }

            send(broker.bootstrapServers(), raw);
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size() >= 8000);
            List<ConsumerRecord<String, byte[]>> both = readAll(broker.bootstrapServers(), topics.tensors.name());
            List<TensorRecord> bothTensors = tensors(both);
            Set<String> keys = both.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
            assertThat(keys).hasSize(4000);
            for (int i = 0; i < both.size(); i++) {
                assertThat(bothTensors.get(i).split()).isEqualTo(splitByKey.get(both.get(i).key()));
            }
            assertThat(readAll(broker.bootstrapServers(), topics.imagesDlq.name())).isEmpty();
        } finally {
            worker.stop();
        }
    }

    @Test
    void badInputGoesToTheDeadLetterTopicWithItsReasonAndGoodInputIsKept(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("ingest-bad") + ".";
        Topics topics = new Topics(prefix);
        Path test = TestDatasets.dogsVsCats().resolve("test");
        byte[] photo = Files.readAllBytes(test.resolve("cat.2000.jpg"));
        List<ProducerRecord<String, byte[]>> raw = new ArrayList<>();
        raw.add(rawRecord(topics.imagesRaw.name(), test.resolve("cat.2001.jpg")));
        raw.add(labelled(topics, "zero", new byte[0], "cat"));
        raw.add(rawRecord(topics.imagesRaw.name(), test.resolve("dog.2001.jpg")));
        raw.add(labelled(topics, "truncated", Arrays.copyOf(photo, photo.length * 6 / 10), "cat"));
        byte[] random = new byte[5000];
        new Random(1).nextBytes(random);
        raw.add(labelled(topics, "random", random, "cat"));
        raw.add(labelled(topics, "text", "just some text, not an image\n".repeat(20).getBytes(), "cat"));
        raw.add(labelled(topics, "bomb", pngHeader(100_000, 100_000), "cat"));
        raw.add(new ProducerRecord<>(topics.imagesRaw.name(), null, "nolabel", photo, new RecordHeaders()));
        raw.add(rawRecord(topics.imagesRaw.name(), test.resolve("dog.2002.jpg")));
        IngestWorker worker = IngestTestSupport.worker(env(broker.bootstrapServers(), prefix));
        worker.start();
        try {
            send(broker.bootstrapServers(), raw);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> readAll(broker.bootstrapServers(), topics.imagesDlq.name()).size() >= 6
                            && readAll(broker.bootstrapServers(), topics.tensors.name()).size() >= 3);
            assertThat(tensors(readAll(broker.bootstrapServers(), topics.tensors.name()))).extracting(TensorRecord::sourceId)
                    .containsExactlyInAnyOrder("cat.2001.jpg", "dog.2001.jpg", "dog.2002.jpg");
            Map<String, String> reasons = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : readAll(broker.bootstrapServers(), topics.imagesDlq.name())) {
                reasons.put(r.key(), header(r, MessageHeaders.ERROR_REASON));
                assertThat(header(r, MessageHeaders.SOURCE_TOPIC)).isEqualTo(topics.imagesRaw.name());
                assertThat(header(r, MessageHeaders.SOURCE_OFFSET)).isNotNull();
                assertThat(header(r, MessageHeaders.ERROR_MESSAGE)).isNotBlank();
            }
            assertThat(reasons).containsEntry("zero", "empty").containsEntry("truncated", "truncated")
                    .containsEntry("random", "unsupported-format").containsEntry("text", "unsupported-format")
                    .containsEntry("bomb", "too-many-pixels").containsEntry("nolabel", "missing-label");
            assertThat(worker.healthy()).isTrue();
        } finally {
            worker.stop();
        }
    }

    /**
     * A transaction that outlives transaction.timeout.ms (a long broker outage) is aborted by the coordinator with
     * an epoch bump, which the worker's producer sees as a fence. Fencing it from outside has the same effect: the
     * worker must replace its producer and go on, and every image must still be ingested exactly once.
     */
    @Test
    void aFencedProducerIsReplacedAndEveryImageIsStillIngestedOnce(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("ingest-fenced") + ".";
        Topics topics = new Topics(prefix);
        List<Path> files = photos(TestDatasets.dogsVsCats().resolve("test")).subList(0, 20);
        IngestWorker worker = IngestTestSupport.worker(env(broker.bootstrapServers(), prefix, "PIXELFLOW_IMAGE_SIZE", "32x32x3"));
        worker.start();
        try {
            send(broker.bootstrapServers(), rawRecords(topics, files.subList(0, 10)));
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size() == 10);

            fence(broker.bootstrapServers(), "pixelflow-ingest-" + prefix + "ingest");
            send(broker.bootstrapServers(), rawRecords(topics, files.subList(10, 20)));

            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> readAll(broker.bootstrapServers(), topics.tensors.name()).size() >= 20);
            assertThat(tensors(readAll(broker.bootstrapServers(), topics.tensors.name()))).extracting(TensorRecord::sourceId)
                    .containsExactlyInAnyOrderElementsOf(files.stream().map(f -> f.getFileName().toString()).toList());
            assertThat(worker.healthy()).as("worker still running after the fence").isTrue();
        } finally {
            worker.stop();
        }
    }

    private static List<ProducerRecord<String, byte[]>> rawRecords(Topics topics, List<Path> files) throws Exception {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Path f : files) {
            out.add(rawRecord(topics.imagesRaw.name(), f));
        }
        return out;
    }

    /** What a second producer with the same transactional id does: bump the epoch, fencing the first. */
    private static void fence(String bootstrap, String transactionalId) {
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "transactional.id", transactionalId);
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> twin = new org.apache.kafka.clients.producer.KafkaProducer<>(
                p, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            twin.initTransactions();
        }
    }

    private static ProducerRecord<String, byte[]> labelled(Topics topics, String key, byte[] value, String label) {
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.LABEL, MessageHeaders.utf8(label));
        return new ProducerRecord<>(topics.imagesRaw.name(), null, key, value, h);
    }

    /** A PNG signature and IHDR claiming the given size, and nothing else: a decompression-bomb header. */
    static byte[] pngHeader(int width, int height) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        b.putInt(13).put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height);
        b.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static Set<String> keysOf(List<ConsumerRecord<String, byte[]>> records) {
        return new HashSet<>(records.stream().map(ConsumerRecord::key).collect(Collectors.toList()));
    }
}
