package dev.pixelflow.bench;

import dev.pixelflow.broker.BrokerOptions;
import dev.pixelflow.broker.EmbeddedKafkaBroker;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.WorkerContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * A throw-away embedded broker in a temporary directory, plus the worker wiring the benchmarks share:
 * one topic prefix per measurement, so runs on one broker never see each other's records.
 */
final class LocalKafka implements AutoCloseable {
    private final Path dir;
    private final EmbeddedKafkaBroker broker;
    private final KafkaClients clients;

    private LocalKafka(Path dir, EmbeddedKafkaBroker broker) {
        this.dir = dir;
        this.broker = broker;
        this.clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), "", Map.of()), "pixelflow-bench");
    }

    static LocalKafka start() throws IOException {
        Path dir = Files.createTempDirectory("pixelflow-bench-kafka-");
        long t0 = System.nanoTime();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(BrokerOptions.builder(dir).build());
        try {
            broker.start();
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
        Progress.say("embedded broker at %s (started in %.1f s)", broker.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
        return new LocalKafka(dir, broker);
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    KafkaClients clients() {
        return clients;
    }

    /**
     * Creates every pixelflow topic under {@code prefix}, as the workers would on start, and waits until the broker
     * leads all their partitions: a send in the first moments after creation is refused (NOT_LEADER_OR_FOLLOWER)
     * and retried, which only adds warnings and noise to what is measured next.
     */
    Topics topics(String prefix) throws InterruptedException {
        Topics topics = new Topics(prefix);
        try (Admin admin = clients.admin()) {
            TopicAdmin.ensure(admin, topics.all(), Duration.ofSeconds(30));
            List<String> names = topics.all().stream().map(t -> t.name()).toList();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!allLed(admin, names) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling the broker's metadata; not part of any measurement
            }
        }
        return topics;
    }

    private static boolean allLed(Admin admin, List<String> names) {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
            return described.values().stream().flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A worker's environment on this broker: its prefix, a unique instance id, no HTTP server, plus {@code more}. */
    Map<String, String> env(String prefix, String role, String... more) {
        Map<String, String> env = new HashMap<>(Map.of(KafkaSettings.BOOTSTRAP_VAR, bootstrap(),
                KafkaSettings.TOPIC_PREFIX_VAR, prefix, "PIXELFLOW_HTTP_PORT", "0",
                "PIXELFLOW_INSTANCE_ID", prefix + role));
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    static WorkerContext context(String role, Map<String, String> env, MeterRegistry metrics) {
        return WorkerContext.create(role, ConfigSource.of(env), 0, metrics);
    }

    @Override
    public void close() {
        try {
            broker.close();
        } finally {
            deleteQuietly(dir);
        }
    }

    static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temp dir left behind is harmless
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
