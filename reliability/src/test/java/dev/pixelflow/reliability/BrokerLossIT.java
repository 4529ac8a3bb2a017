package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.topic.Topic;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.ThreeNodeCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three brokers, ingest and inference traffic; one broker is killed with SIGKILL and restarted later, then the
 * active controller is. With replication factor 3, min.insync.replicas 2 and acks=all, nothing is lost or
 * duplicated and the workers carry on without a restart.
 *
 * <p>The nodes run Kafka's stock topic defaults (replication factor 1, min ISR 1), so the replication the
 * workers' topics get is pixelflow's own choice (TopicAdmin on a cluster of three or more brokers).
 */
@Tag("slow-fault")
class BrokerLossIT {
    private static final int INPUTS = 6_000;
    private static final int PER_SECOND = 60;
    private static final long DOWN_SECONDS = 10;
    private static final long SEED = 50L;

    @Test
    void losingABrokerAndThenTheControllerLosesNothing() throws Exception {
        List<String> stops = new ArrayList<>();
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "cluster-");
        try (ThreeNodeCluster cluster = ThreeNodeCluster.start(work,
                Map.of("default.replication.factor", "1", "min.insync.replicas", "1"))) {
            String bootstrap = cluster.bootstrapServers();
            String prefix = "loss-" + System.nanoTime() + ".";
            Topics topics = Scenarios.createTopics(bootstrap, prefix);
            List<String> names = topics.all().stream().map(Topic::name).collect(Collectors.toList());
            assertReplicated(cluster, names);
            Models.publish(bootstrap, topics, 1);
            List<Inputs.Input> raw = Inputs.make("loss-raw", INPUTS, 0.10, SEED);
            List<Inputs.Input> requests = Inputs.make("loss-req", INPUTS, 0.10, SEED + 1);
            List<String> recoveries = new ArrayList<>();
            List<String> killed = new ArrayList<>();
            try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest"));
                 JavaProcess inference = Workers.inference(Scenarios.LOGS, Workers.env(bootstrap, prefix, "inference"));
                 OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name(), topics.imagesDlq.name()));
                 OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()));
                 Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), PER_SECOND);
                 Load requestLoad = new Load("request-client", bootstrap, requests,
                         in -> Inputs.request(topics.classifyRequests.name(), in, null), PER_SECOND)) {
                Scenarios.awaitAssigned(ingest, inference);
                rawLoad.start();
                requestLoad.start();
                for (int round = 0; round < 2; round++) {
                    int target = INPUTS * (round == 0 ? 15 : 60) / 100;
                    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200))
                            .failFast("a worker exited", () -> !ingest.isAlive() || !inference.isAlive())
                            .until(() -> tensors.count() >= target && answers.count() >= target);
                    // Recovery is measured by new outputs, so the fault must land while inputs still arrive.
                    assertThat(rawLoad.sent()).as("raw inputs still being sent at the fault").isLessThan(INPUTS);
                    assertThat(requestLoad.sent()).as("requests still being sent at the fault").isLessThan(INPUTS);
                    int controller = cluster.activeController();
                    int victim = round == 0 ? controller % ThreeNodeCluster.NODES + 1 : controller;
                    killed.add("node " + victim + (victim == controller ? " (active controller)" : " (follower)"));
                    long killedAt = System.currentTimeMillis();
                    cluster.kill(victim);
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                            .failFast("a worker exited", () -> !ingest.isAlive() || !inference.isAlive())
                            .until(() -> tensors.recoveredAfter(killedAt) >= 0 && answers.recoveredAfter(killedAt) >= 0);
                    recoveries.add("ingest " + ReliabilityTable.seconds(tensors.recoveredAfter(killedAt)) + ", inference "
                            + ReliabilityTable.seconds(answers.recoveredAfter(killedAt)));
                    // Keep the node down for a while under traffic, then bring it back: a fixed outage, not a wait.
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(DOWN_SECONDS));
                    cluster.restart(victim);
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> cluster.minIsr(names) == ThreeNodeCluster.NODES);
                }
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                        .failFast("a worker exited", Scenarios.noneExited(ingest, inference))
                        .until(() -> tensors.count() >= INPUTS && answers.count() >= INPUTS);
                assertThat(rawLoad.failure()).as("raw client").isNull();
                assertThat(requestLoad.failure()).as("request client").isNull();
                stops.add("ingest " + Scenarios.stopCleanly(ingest));
                stops.add("inference " + Scenarios.stopCleanly(inference));
            }
            Invariants.IngestOutcome in = Invariants.ingest(bootstrap, topics, raw);
            Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
            Invariants.ModelOutcome models = Invariants.models(bootstrap, topics);
            ReliabilityTable.record(new ReliabilityTable.Row("30-broker-loss", "3 brokers: SIGKILL " + String.join(", then ",
                    killed) + "; each back after " + DOWN_SECONDS + " s", INPUTS + " raw images + " + INPUTS
                    + " requests (10% poison), " + PER_SECOND + "/s each", in.ingested() + " tensors + " + in.deadLetter()
                    + " DLQ; " + out.answered() + " answered", in.lost().size() + out.lost().size(),
                    in.duplicated().size() + out.duplicated().size(), String.join("; ", recoveries),
                    "RF 3, min ISR 2, acks=all; workers not restarted"));
            assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
            assertThat(in.exactlyOnce()).as("raw images: lost %s, duplicated %s", in.lost(), in.duplicated()).isTrue();
            assertThat(out.exactlyOnce()).as("requests: lost %s, duplicated %s", out.lost(), out.duplicated()).isTrue();
            assertThat(in.goodInDlq()).isEmpty();
            assertThat(out.goodFailed()).isEmpty();
            assertThat(models.broken()).isEmpty();
            assertThat(models.complete()).hasSize(1);
        }
    }

    private static void assertReplicated(ThreeNodeCluster cluster, List<String> names) throws Exception {
        for (String name : names) {
            assertThat(cluster.replicationFactors(name)).as("replicas of %s", name).containsOnly(3);
        }
        try (Admin admin = cluster.admin()) {
            List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                    .collect(Collectors.toList());
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            configs.forEach((resource, config) -> assertThat(config.get("min.insync.replicas").value())
                    .as("min.insync.replicas of %s", resource.name()).isEqualTo("2"));
        }
    }
}
