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
 * A throw-away broker in a temporary directory, plus the worker wiring the benchmarks share: one topic prefix per
 * measurement, so runs on one broker never see each other's records. The broker runs in this JVM ({@link #start})
 * or, as in a deployment, in its own process ({@link #startProcess}), so that this process's CPU time is the
 * worker's (and the client's) alone and the broker's is measured apart.
 */
final class LocalKafka implements AutoCloseable {
    private static final Duration PROCESS_START_TIMEOUT = Duration.ofMinutes(2);

    private final Path dir;
    private final String bootstrap;
    private final EmbeddedKafkaBroker broker;
    private final Process process;
    private final KafkaClients clients;

    private LocalKafka(Path dir, String bootstrap, EmbeddedKafkaBroker broker, Process process) {
        this.dir = dir;
        this.bootstrap = bootstrap;
        this.broker = broker;
        this.process = process;
        this.clients = new KafkaClients(new KafkaSettings(bootstrap, "", Map.of()), "pixelflow-bench");
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
        return new LocalKafka(dir, broker.bootstrapServers(), broker, null);
    }

    /**
     * The pixelflow broker jar in a child JVM ({@code $PIXELFLOW_HOME/broker/target/pixelflow-broker.jar}, as
     * {@code bin/pixelflow broker} runs it); in this JVM when the jar is not there.
     */
    static LocalKafka startProcess() throws IOException, InterruptedException {
        Path jar = Path.of(System.getenv().getOrDefault("PIXELFLOW_HOME", "."), "broker", "target", "pixelflow-broker.jar");
        if (!Files.isRegularFile(jar)) {
            Progress.say("no broker jar at %s; running the broker in this JVM", jar.toAbsolutePath());
            return start();
        }
        Path dir = Files.createTempDirectory("pixelflow-bench-kafka-");
        long t0 = System.nanoTime();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-XX:+UseParallelGC", "-jar", jar.toString(), "--port", "0",
                "--controller-port", "0", "--data-dir", dir.resolve("data").toString());
        Process process = new ProcessBuilder(command).redirectError(dir.resolve("broker.log").toFile()).start();
        // A bench that is interrupted must not leave its broker behind.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "bench-broker-stop"));
        String ready = null;
        try {
            ready = awaitReady(process);
        } finally {
            if (ready == null) {
                process.destroyForcibly();
                Progress.say("broker process did not start; its log: %s", dir.resolve("broker.log"));
            }
        }
        String bootstrap = ready.replaceAll(".*bootstrap=(\\S+).*", "$1");
        Progress.say("broker process %d at %s (started in %.1f s)", process.pid(), bootstrap, (System.nanoTime() - t0) / 1e9);
        return new LocalKafka(dir, bootstrap, null, process);
    }

    private static String awaitReady(Process process) throws IOException, InterruptedException {
        java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                java.io.BufferedReader out = new java.io.BufferedReader(
                        new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith("pixelflow broker ready:")) {
                        return l;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String l = line.get(PROCESS_START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new IOException("the broker process exited before it was ready (exit " + process.waitFor() + ")");
            }
            return l;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the broker process was not ready within " + PROCESS_START_TIMEOUT, e);
        }
    }

    /** CPU time of the broker process so far, or -1 when the broker runs in this JVM (it is in this JVM's time). */
    long brokerCpuNanos() {
        if (process == null) {
            return -1;
        }
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Per-thread CPU of the broker process, or null when the broker runs in this JVM. */
    ThreadCpu brokerThreads() {
        return process == null ? null : ThreadCpu.snapshot(process.pid());
    }

    String bootstrap() {
        return bootstrap;
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
            if (broker != null) {
                broker.close();
            } else {
                process.destroy(); // SIGTERM: the broker's shutdown hook closes it cleanly
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
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
