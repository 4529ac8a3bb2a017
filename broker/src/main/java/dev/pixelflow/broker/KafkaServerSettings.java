package dev.pixelflow.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Kafka server.properties of a single combined broker+controller node, on 127.0.0.1 unless {@link ClientListeners} say otherwise. */
final class KafkaServerSettings {
    static final int NODE_ID = 1;

    private KafkaServerSettings() {
    }

    /**
     * Settings for one node. Replication factors and ISR minimums are 1 because there is only one replica;
     * Kafka's defaults (3 and 2) would make the internal topics (offsets, transactions, share state)
     * impossible to create and transactions would never commit.
     */
    /** Pseudo-setting (not Kafka's): the port of an extra SASL_PLAINTEXT listener, see {@link BrokerOptions.Builder#saslPlainListener}. */
    static final String SASL_PLAIN_PORT = "pixelflow.sasl.plain.port";

    static Map<String, String> of(int port, int controllerPort, Path logDir, Map<String, String> extra) {
        return of(port, controllerPort, logDir, null, extra);
    }

    /**
     * Settings for one node of a multi-node cluster when {@code quorum} is set: static voters, and replication
     * factor 3 / min ISR 2 (fewer when the cluster is smaller) for new and internal topics, so that acks=all
     * writes survive the loss of one node.
     */
    static Map<String, String> of(int port, int controllerPort, Path logDir, QuorumMembership quorum,
                                  Map<String, String> extra) {
        return of(port, controllerPort, logDir, quorum, ClientListeners.LOOPBACK, null, extra);
    }

    /**
     * With {@code clients}: the client listeners bound and advertised as it says. With {@code secured}: the client
     * listener is SASL_SSL on its own port, {@code port} the broker's internal SASL_PLAINTEXT listener and the
     * controller listener SASL_PLAINTEXT too, both for the super user only.
     */
    static Map<String, String> of(int port, int controllerPort, Path logDir, QuorumMembership quorum,
                                  ClientListeners clients, SecuredListener secured, Map<String, String> extra) {
        String host = LocalPorts.HOST;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(quorum == null ? NODE_ID : quorum.nodeId()));
        if (quorum == null) {
            // Dynamic quorum (KIP-853) with this node as the only voter; formatted with --standalone.
            p.put("controller.quorum.bootstrap.servers", host + ":" + controllerPort);
        } else {
            // Static quorum: every node knows all voters up front; formatted with the shared cluster id only.
            p.put("controller.quorum.voters", quorum.voters());
        }
        String controller = ",CONTROLLER://" + host + ":" + controllerPort;
        String listeners = "PLAINTEXT://" + clients.bindAddress() + ":" + port + controller;
        String advertised = "PLAINTEXT://" + clients.advertisedHost() + ":" + port + controller;
        String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
        if (clients.externalPort() != 0) {
            listeners += ",EXTERNAL://" + clients.bindAddress() + ":" + clients.externalPort();
            advertised += ",EXTERNAL://" + clients.externalAdvertised();
            protocols += ",EXTERNAL:PLAINTEXT";
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", protocols);
        p.put("log.dirs", logDir.toString());

        p.put("num.partitions", "1");
        String replicas = quorum == null ? "1" : Integer.toString(Math.min(3, quorum.size()));
        String minIsr = quorum == null ? "1" : Integer.toString(Math.min(2, quorum.size()));
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", replicas);
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        // Fewer internal partitions: faster first start and fewer files; one node gains nothing from 50.
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.num.partitions", "5");
        // Workers create their own topics; a typo must fail instead of silently creating a topic.
        p.put("auto.create.topics.enable", "false");
        // Tests join groups one consumer at a time; the default 3 s delay only slows them down.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.streams.initial.rebalance.delay.ms", "0");
        // The 128 MiB default is allocated up front by the log cleaner; 2 MiB is plenty for local topics.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        // Thread pools sized for one local node on a small machine (defaults assume a production server:
        // 8 I/O, 3 network, 10 background, 4 group-coordinator threads).
        p.put("num.io.threads", "4");
        p.put("num.network.threads", "2");
        p.put("background.threads", "4");
        p.put("group.coordinator.threads", "1");
        p.put("num.recovery.threads.per.data.dir", "1");
        if (secured != null) {
            String internal = SecuredListener.INTERNAL + "://" + host + ":" + port;
            String controllerListener = "CONTROLLER://" + host + ":" + controllerPort;
            String client = SecuredListener.CLIENT + "://" + host + ":" + secured.port();
            p.put("listeners", internal + "," + controllerListener + "," + client);
            p.put("advertised.listeners", internal + "," + controllerListener + "," + client);
            p.put("listener.security.protocol.map", SecuredListener.INTERNAL + ":SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,"
                    + SecuredListener.CLIENT + ":SASL_SSL");
            p.putAll(secured.serverSettings());
        }
        Map<String, String> rest = new LinkedHashMap<>(extra);
        String saslPort = rest.remove(SASL_PLAIN_PORT);
        if (saslPort != null) {
            // A second client listener with SASL/PLAIN (users from listener.name.sasl_plaintext.plain.sasl.jaas.config);
            // the PLAINTEXT one stays for the broker itself and its readiness check.
            String sasl = ",SASL_PLAINTEXT://" + host + ":" + saslPort;
            p.put("listeners", listeners + sasl);
            p.put("advertised.listeners", advertised + sasl);
            p.put("listener.security.protocol.map", protocols + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            p.put("sasl.enabled.mechanisms", "PLAIN");
        }
        p.putAll(rest);
        return p;
    }
}
