package dev.pixelflow.reliability;

import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.testkit.TestDatasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The inputs of a scenario: real Dogs-vs-Cats photos, each under a unique id, a given share of them corrupted.
 * Ids are what the invariants count by; the same photo may appear under several ids.
 */
final class Inputs {
    /** One input: its id, bytes, label, and the corruption applied (null for a good photo). */
    record Input(String id, byte[] bytes, String label, Poison poison) {
        boolean bad() {
            return poison != null;
        }
    }

    private static List<byte[]> photoCache;
    private static List<String> labelCache;

    private Inputs() {
    }

    /**
     * {@code count} inputs named {@code prefix-00000.jpg...}; each is corrupted with probability {@code badShare},
     * cycling through every {@link Poison} kind. Seeded, so a failure can be replayed.
     */
    static List<Input> make(String prefix, int count, double badShare, long seed) {
        loadPhotos();
        Random random = new Random(seed);
        List<Input> out = new ArrayList<>(count);
        Poison[] kinds = Poison.values();
        int bad = 0;
        for (int i = 0; i < count; i++) {
            int photo = random.nextInt(photoCache.size());
            byte[] bytes = photoCache.get(photo);
            Poison poison = null;
            if (random.nextDouble() < badShare) {
                poison = kinds[bad++ % kinds.length];
                bytes = poison.apply(bytes, random);
            }
            out.add(new Input(String.format("%s-%05d.jpg", prefix, i), bytes, labelCache.get(photo), poison));
        }
        return out;
    }

    /** What the ingest command sends for a file: name, content type and label headers, the name as key. */
    static ProducerRecord<String, byte[]> raw(String topic, Input input) {
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.FILENAME, MessageHeaders.utf8(input.id()));
        h.add(MessageHeaders.CONTENT_TYPE, MessageHeaders.utf8("image/jpeg"));
        h.add(MessageHeaders.LABEL, MessageHeaders.utf8(input.label()));
        return new ProducerRecord<>(topic, null, input.id(), input.bytes(), h);
    }

    /** A classify request keyed by the input id; {@code deadline} (epoch ms) may be null. */
    static ProducerRecord<String, byte[]> request(String topic, Input input, Long deadline) {
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8("corr-" + input.id()));
        if (deadline != null) {
            h.add(MessageHeaders.DEADLINE, MessageHeaders.utf8(Long.toString(deadline)));
        }
        return new ProducerRecord<>(topic, null, input.id(), input.bytes(), h);
    }

    private static synchronized void loadPhotos() {
        if (photoCache != null) {
            return;
        }
        Path train = TestDatasets.dogsVsCats().resolve("train");
        try (Stream<Path> s = Files.list(train)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
            List<byte[]> photos = new ArrayList<>(files.size());
            List<String> labels = new ArrayList<>(files.size());
            for (Path f : files) {
                photos.add(Files.readAllBytes(f));
                String name = f.getFileName().toString();
                labels.add(name.substring(0, name.indexOf('.')));
            }
            photoCache = photos;
            labelCache = labels;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read photos from " + train, e);
        }
    }
}
