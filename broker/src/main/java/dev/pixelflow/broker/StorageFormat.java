package dev.pixelflow.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats the KRaft log dir once, like {@code kafka-storage.sh format --standalone}. The cluster id lives in
 * the log dir's meta.properties, so a restart on the same data dir keeps the cluster and its topics.
 */
final class StorageFormat {
    private static final Logger LOG = LoggerFactory.getLogger(StorageFormat.class);
    static final String META_PROPERTIES = "meta.properties";

    private StorageFormat() {
    }

    /** Formats {@code logDir} unless it already holds meta.properties; returns the cluster id either way. */
    static String ensureFormatted(Path serverProperties, Path logDir) {
        return ensureFormatted(serverProperties, logDir, null);
    }

    /**
     * With a quorum, formats with its shared cluster id and without --standalone (the static voters list is in
     * the config), like {@code kafka-storage.sh format -t ID} on each node of a cluster.
     */
    static String ensureFormatted(Path serverProperties, Path logDir, QuorumMembership quorum) {
        Path meta = logDir.resolve(META_PROPERTIES);
        if (Files.isRegularFile(meta)) {
            String clusterId = readClusterId(meta);
            if (quorum != null && !quorum.clusterId().equals(clusterId)) {
                throw new BrokerStartException(meta + " belongs to cluster " + clusterId + ", not to "
                        + quorum.clusterId() + "; delete the data dir to join the new cluster");
            }
            LOG.debug("Log dir {} already formatted for cluster {}", logDir, clusterId);
            return clusterId;
        }
        String clusterId = quorum == null ? Uuid.randomUuid().toString() : quorum.clusterId();
        String[] command = quorum == null
                ? new String[] {"format", "--cluster-id", clusterId, "--config", serverProperties.toString(), "--standalone"}
                : new String[] {"format", "--cluster-id", clusterId, "--config", serverProperties.toString()};
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exit = StorageTool.execute(command, out);
        } catch (Exception e) {
            throw new BrokerStartException("formatting Kafka log dir " + logDir + " failed: " + e.getMessage(), e);
        }
        if (exit != 0) {
            throw new BrokerStartException("formatting Kafka log dir " + logDir + " failed (exit " + exit + "): "
                    + output.toString(StandardCharsets.UTF_8).strip());
        }
        LOG.info("Formatted Kafka log dir {} for new cluster {}", logDir, clusterId);
        return clusterId;
    }

    static String readClusterId(Path meta) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new BrokerStartException("cannot read " + meta + ": " + e.getMessage(), e);
        }
        String clusterId = properties.getProperty("cluster.id");
        if (clusterId == null || clusterId.isBlank()) {
            throw new BrokerStartException(meta + " has no cluster.id; delete the data dir to start a fresh cluster");
        }
        return clusterId;
    }
}
