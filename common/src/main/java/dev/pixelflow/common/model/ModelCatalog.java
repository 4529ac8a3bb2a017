package dev.pixelflow.common.model;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ModelVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A one-shot read of {@code models} up to its current end: which versions exist, and the artifact of one.
 * Used by commands and by the trainer to number the next version; the inference worker follows the topic instead.
 */
public final class ModelCatalog {
    private final KafkaClients clients;
    private final String topic;

    public ModelCatalog(KafkaClients clients, String topic) {
        this.clients = clients;
        this.topic = topic;
    }

    /** Every complete version, ordered by name then version. */
    public List<ModelVersion> versions() {
        return inventory().versions();
    }

    /** Every complete version (ordered by name then version), and the broken ones with the reason. */
    public Inventory inventory() {
        List<ModelVersion> out = new ArrayList<>();
        Map<String, String> broken = new java.util.HashMap<>();
        readAll(new ModelAssembler(new ModelAssembler.Listener() {
            @Override
            public void onVersion(ModelVersion version, byte[] artifact) {
                out.add(version);
            }

            @Override
            public void onBroken(String ref, String reason) {
                broken.put(ref, reason);
            }
        }, false));
        out.sort(Comparator.comparing(ModelVersion::name).thenComparingInt(ModelVersion::version));
        return new Inventory(out, broken);
    }

    /**
     * What the models topic holds.
     *
     * @param broken {@code NAME:VERSION} of manifests whose artifact is incomplete or fails its sha256, with why
     */
    public record Inventory(List<ModelVersion> versions, Map<String, String> broken) {
        public Inventory {
            versions = List.copyOf(versions);
            broken = Map.copyOf(broken);
        }

        public Optional<ModelVersion> find(String name, int version) {
            return versions.stream().filter(v -> v.name().equals(name) && v.version() == version).findFirst();
        }

        /** The complete, verified {@code name:version}, or an exception saying why it cannot be used. */
        public ModelVersion require(String name, int version) {
            Optional<ModelVersion> found = find(name, version);
            if (found.isPresent()) {
                return found.get();
            }
            String ref = name + ":" + version;
            String why = broken.get(ref);
            if (why != null) {
                throw new IllegalArgumentException(ref + " is on the models topic but cannot be served: " + why);
            }
            List<Integer> known = versions.stream().filter(v -> v.name().equals(name)).map(ModelVersion::version).toList();
            throw new IllegalArgumentException("no complete version " + ref + " has been published"
                    + (known.isEmpty() ? " (no version of " + name + " at all)" : " (published: " + known + ")"));
        }
    }

    /** The number after the highest of {@code name}'s versions among {@code known}. */
    public static int nextVersion(List<ModelVersion> known, String name) {
        return known.stream().filter(v -> v.name().equals(name)).mapToInt(ModelVersion::version).max().orElse(0) + 1;
    }

    /** Resolves {@code NAME} (newest) or {@code NAME:VERSION}, with its verified artifact. */
    public Optional<Loaded> load(String ref) {
        String[] parts = ref.split(":", 2);
        String name = parts[0];
        Integer version = parts.length == 2 ? Integer.valueOf(parts[1]) : null;
        Loaded[] best = new Loaded[1];
        readAll(new ModelAssembler((v, artifact) -> {
            if (v.name().equals(name) && (version == null ? best[0] == null || v.version() > best[0].version().version()
                    : v.version() == version)) {
                best[0] = new Loaded(v, artifact);
            }
        }, true));
        return Optional.ofNullable(best[0]);
    }

    /** A version and its artifact bytes. */
    public record Loaded(ModelVersion version, byte[] artifact) {
    }

    private void readAll(ModelAssembler assembler) {
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(15));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(15)) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    assembler.accept(r);
                }
            }
        }
    }
}
