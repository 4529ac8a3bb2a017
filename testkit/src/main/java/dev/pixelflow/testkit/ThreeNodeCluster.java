package dev.pixelflow.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.pixelflow.broker.LocalPorts;
import dev.pixelflow.broker.QuorumMembership;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three Kafka nodes on 127.0.0.1, each a separate JVM (broker and controller, all three voters, one cluster id),
 * so that a test can kill any of them, the active controller included, with SIGKILL. Tuned so that failover takes
 * seconds: a dead broker is fenced after {@value #SESSION_TIMEOUT_MS} ms and a lagging replica leaves the ISR after
 * {@value #REPLICA_LAG_MS} ms. New topics get replication factor 3 and min.insync.replicas 2, so acks=all writes
 * go on while any one node is down.
 */
public final class ThreeNodeCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ThreeNodeCluster.class);
    public static final int NODES = 3;
    static final String SESSION_TIMEOUT_MS = "3000";
    static final String REPLICA_LAG_MS = "5000";
    /** The failover tuning every node runs with. */
    public static final Map<String, String> FAILOVER_SETTINGS = Map.of(
            "broker.session.timeout.ms", SESSION_TIMEOUT_MS,
            "broker.heartbeat.interval.ms", "500",
            "replica.lag.time.max.ms", REPLICA_LAG_MS,
            // The transaction coordinator checks for expired transactions every 10 s by default; a killed
            // worker's open transaction should be aborted sooner.
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "2000");

    private final Path workDir;
    private final Map<Integer, BrokerProcess> nodes;
    private final String clusterId;

    private ThreeNodeCluster(Path workDir, Map<Integer, BrokerProcess> nodes, String clusterId) {
        this.workDir = workDir;
        this.nodes = nodes;
        this.clusterId = clusterId;
    }

    /** Starts the three nodes together (none answers before two voters run) and waits until all are registered. */
    public static ThreeNodeCluster start(Path workDir) {
        return start(workDir, Map.of());
    }

    /**
     * As {@link #start(Path)}, with further server settings on every node (they win over the defaults, e.g.
     * {@code default.replication.factor=1} to mimic a stock cluster config).
     */
    public static ThreeNodeCluster start(Path workDir, Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>(FAILOVER_SETTINGS);
        all.putAll(settings);
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        for (int id = 1; id <= NODES; id++) {
            ports.put(id, LocalPorts.pickFree());
            controllerPorts.put(id, LocalPorts.pickFree());
        }
        String voters = QuorumMembership.localVoters(controllerPorts);
        String clusterId = QuorumMembership.newClusterId();
        Map<Integer, BrokerProcess> nodes = new LinkedHashMap<>();
        ThreeNodeCluster cluster = new ThreeNodeCluster(workDir, nodes, clusterId);
        try {
            for (int id = 1; id <= NODES; id++) {
                nodes.put(id, BrokerProcess.launchNode("kafka-node-" + id, ports.get(id), workDir.resolve("node-" + id),
                        new QuorumMembership(id, voters, clusterId), all));
            }
            nodes.values().forEach(BrokerProcess::awaitReady);
            cluster.awaitBrokers(NODES, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("three-node cluster {} at {} (voters {})", clusterId, cluster.bootstrapServers(), voters);
        return cluster;
    }

    /** All three client addresses: clients fail over between them. */
    public String bootstrapServers() {
        return nodes.values().stream().map(BrokerProcess::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The cluster as the testkit's broker handle, for its client property helpers and unique names. */
    public KafkaTestBroker asTestBroker() {
        return new KafkaTestBroker(bootstrapServers(), KafkaTestBroker.Source.EXTERNAL);
    }

    public String clusterId() {
        return clusterId;
    }

    public BrokerProcess node(int id) {
        BrokerProcess node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + "; nodes are 1.." + NODES);
        }
        return node;
    }

    /** SIGKILL to node {@code id}. */
    public void kill(int id) {
        node(id).kill();
    }

    /** Starts node {@code id} again on its ports and data dir; returns once the cluster sees all nodes again. */
    public void restart(int id) {
        node(id).relaunch();
        node(id).awaitReady();
        awaitBrokers(NODES, Duration.ofSeconds(60));
    }

    /** The node id of the active controller (the KRaft quorum leader). */
    public int activeController() {
        Admin admin = admin();
        try {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the metadata quorum of " + bootstrapServers() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            admin.close(KafkaTestBroker.CLOSE_TIMEOUT);
        }
    }

    /** Number of brokers the cluster currently lists as registered and alive. */
    public int liveBrokers() {
        Admin admin = admin();
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            admin.close(KafkaTestBroker.CLOSE_TIMEOUT);
        }
    }

    /** The smallest ISR over all partitions of {@code topics}: 3 once a restarted node has caught up everywhere. */
    public int minIsr(Collection<String> topics) {
        Admin admin = admin();
        try {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            return d.values().stream().flatMap(t -> t.partitions().stream()).mapToInt(p -> p.isr().size()).min()
                    .orElse(0);
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            admin.close(KafkaTestBroker.CLOSE_TIMEOUT);
        }
    }

    /** Replication factor of each partition of {@code topic}. */
    public List<Integer> replicationFactors(String topic) {
        Admin admin = admin();
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            return d.partitions().stream().map(p -> p.replicas().size()).collect(Collectors.toList());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            admin.close(KafkaTestBroker.CLOSE_TIMEOUT);
        }
    }

    private void awaitBrokers(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (liveBrokers() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster at " + bootstrapServers() + " does not list " + count
                        + " brokers after " + timeout);
            }
            try {
                // Polling the cluster's metadata; there is no event to wait on.
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    /** Kills every node and deletes their data dirs; their logs stay in the work dir for a look after a failure. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (BrokerProcess node : nodes.values()) {
            try {
                node.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        for (BrokerProcess node : nodes.values()) {
            if (!Files.exists(node.dataDir())) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(node.dataDir())) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", node.dataDir(), e.toString());
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
