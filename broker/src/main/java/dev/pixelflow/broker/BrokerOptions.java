package dev.pixelflow.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How to run an {@link EmbeddedKafkaBroker}.
 *
 * @param port             PLAINTEXT client port (on 127.0.0.1 unless clientListeners say otherwise); 0 picks a free port
 * @param controllerPort   KRaft controller port on 127.0.0.1; 0 picks a free port
 * @param dataDir          directory holding the Kafka log dir and the cluster id; created if missing
 * @param extraProperties  further Kafka server settings, overriding the defaults of {@link KafkaServerSettings}
 * @param startTimeout     how long {@link EmbeddedKafkaBroker#start()} waits for the broker to answer
 * @param quorum           null for a single-node cluster of its own (the default); else this node's membership in a
 *                         multi-node cluster, whose voters list fixes the controller port
 * @param clientListeners  where the client listeners bind and what they advertise; {@link ClientListeners#LOOPBACK} by default
 * @param secured          null for an open broker (the default); else its client listener, users and authorizer;
 *                         {@code port} is then the broker's own SASL listener, for the super user only
 */
public record BrokerOptions(int port, int controllerPort, Path dataDir, Map<String, String> extraProperties,
                            Duration startTimeout, QuorumMembership quorum, ClientListeners clientListeners,
                            SecuredListener secured) {

    /** Settings the broker derives from the options above; overriding them would break the single-node layout. */
    static final Set<String> MANAGED_KEYS = Set.of(
            "process.roles", "node.id", "listeners", "advertised.listeners", "controller.listener.names",
            "inter.broker.listener.name", "listener.security.protocol.map", "controller.quorum.voters",
            "controller.quorum.bootstrap.servers", "log.dirs", "log.dir", "metadata.log.dir");

    public BrokerOptions {
        checkPort("port", port);
        checkPort("controllerPort", controllerPort);
        if (port != 0 && port == controllerPort) {
            throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
        }
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(extraProperties, "extraProperties");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(clientListeners, "clientListeners");
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive, got " + startTimeout);
        }
        for (Map.Entry<String, String> e : extraProperties.entrySet()) {
            Objects.requireNonNull(e.getKey(), "extraProperties key");
            Objects.requireNonNull(e.getValue(), () -> "extraProperties value of " + e.getKey());
            if (MANAGED_KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("extra property '" + e.getKey()
                        + "' is managed by the embedded broker; use port/controllerPort/dataDir instead");
            }
        }
        extraProperties = Map.copyOf(extraProperties);
        if (quorum != null) {
            if (controllerPort == 0) {
                controllerPort = quorum.controllerPort();
            } else if (controllerPort != quorum.controllerPort()) {
                throw new IllegalArgumentException("controllerPort " + controllerPort + " differs from node "
                        + quorum.nodeId() + "'s port " + quorum.controllerPort() + " in the quorum voters");
            }
            if (port == controllerPort) {
                throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
            }
        }
        if (secured != null && quorum != null) {
            throw new IllegalArgumentException("a secured listener is for a single-node broker");
        }
    }

    /** The single-node options of before multi-node support: no quorum. */
    public BrokerOptions(int port, int controllerPort, Path dataDir, Map<String, String> extraProperties,
                         Duration startTimeout) {
        this(port, controllerPort, dataDir, extraProperties, startTimeout, null);
    }

    /** An open broker on loopback. */
    public BrokerOptions(int port, int controllerPort, Path dataDir, Map<String, String> extraProperties,
                         Duration startTimeout, QuorumMembership quorum) {
        this(port, controllerPort, dataDir, extraProperties, startTimeout, quorum, ClientListeners.LOOPBACK, null);
    }

    /** The {@code node.id} this broker runs with. */
    public int nodeId() {
        return quorum == null ? KafkaServerSettings.NODE_ID : quorum.nodeId();
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    private static void checkPort(String name, int value) {
        if (value < 0 || value > 65_535) {
            throw new IllegalArgumentException(name + " must be in 0..65535 (0 = pick a free port), got " + value);
        }
    }

    /** Builder with the defaults tests want: free ports, 60 s start timeout. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private Path dataDir;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private QuorumMembership quorum;
        private SecuredListener secured;
        private ClientListeners clientListeners = ClientListeners.LOOPBACK;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder controllerPort(int controllerPort) {
            this.controllerPort = controllerPort;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder property(String key, String value) {
            extraProperties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> properties) {
            extraProperties.putAll(properties);
            return this;
        }

        /**
         * Adds a SASL_PLAINTEXT listener on {@code port} (PLAIN mechanism) beside the PLAINTEXT one; its users are
         * given with {@code property("listener.name.sasl_plaintext.plain.sasl.jaas.config", "... user_NAME=\"PASSWORD\";")}.
         */
        public Builder saslPlainListener(int port) {
            checkPort("saslPlainPort", port);
            extraProperties.put(KafkaServerSettings.SASL_PLAIN_PORT, Integer.toString(port));
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** Joins a multi-node cluster instead of forming a single-node one; the controller port comes from the voters. */
        public Builder quorum(QuorumMembership quorum) {
            this.quorum = quorum;
            return this;
        }

        /** Authenticates and authorizes every connection; see {@link SecuredListener}. */
        public Builder secured(SecuredListener secured) {
            this.secured = secured;
            return this;
        }

        /** Binds and advertises the client listeners as given instead of on 127.0.0.1 (a broker in a container). */
        public Builder clientListeners(ClientListeners clientListeners) {
            this.clientListeners = clientListeners;
            return this;
        }

        public BrokerOptions build() {
            return new BrokerOptions(port, controllerPort, dataDir, extraProperties, startTimeout, quorum, clientListeners,
                    secured);
        }
    }
}
