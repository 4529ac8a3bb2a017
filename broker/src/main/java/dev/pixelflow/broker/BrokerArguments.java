package dev.pixelflow.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Command line of {@link BrokerMain}: {@code [--port 9092] [--controller-port 9093] [--data-dir DIR]}, and for
 * one node of a multi-node cluster {@code --node-id N --quorum-voters id@host:port,... --cluster-id ID}, plus any
 * number of {@code --set key=value} Kafka server settings.
 *
 * @param help         true when --help / -h was given; the other fields then hold defaults
 * @param quorum       null for the single-node default; else this node's cluster membership
 * @param serverConfig extra Kafka server settings from --set
 */
public record BrokerArguments(int port, int controllerPort, Path dataDir, boolean help, QuorumMembership quorum,
                              Map<String, String> serverConfig) {
    public static final int DEFAULT_PORT = 9092;
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    public static final Path DEFAULT_DATA_DIR = Path.of(".pixelflow", "broker");
    public static final String USAGE =
            "usage: java -jar pixelflow-broker.jar [--port 9092] [--controller-port 9093]"
                    + " [--data-dir ./.pixelflow/broker] [--node-id N --quorum-voters id@host:port,... --cluster-id ID]"
                    + " [--set key=value ...]";

    public BrokerArguments {
        Objects.requireNonNull(dataDir, "dataDir");
        serverConfig = Map.copyOf(serverConfig);
    }

    /** Single-node arguments without extra settings. */
    public BrokerArguments(int port, int controllerPort, Path dataDir, boolean help) {
        this(port, controllerPort, dataDir, help, null, Map.of());
    }

    /** Parses {@code args}; {@link IllegalArgumentException} messages are single lines naming the bad argument. */
    public static BrokerArguments parse(List<String> args) {
        int port = DEFAULT_PORT;
        int controllerPort = DEFAULT_CONTROLLER_PORT;
        Path dataDir = DEFAULT_DATA_DIR;
        Integer nodeId = null;
        String voters = null;
        String clusterId = null;
        Map<String, String> serverConfig = new LinkedHashMap<>();
        boolean controllerPortGiven = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    return new BrokerArguments(DEFAULT_PORT, DEFAULT_CONTROLLER_PORT, DEFAULT_DATA_DIR, true);
                }
                case "--port", "--controller-port", "--data-dir", "--node-id", "--quorum-voters", "--cluster-id",
                        "--set" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    switch (name) {
                        case "--port" -> port = parsePort(name, value);
                        case "--controller-port" -> {
                            controllerPort = parsePort(name, value);
                            controllerPortGiven = true;
                        }
                        case "--node-id" -> nodeId = parseNodeId(value);
                        case "--quorum-voters" -> voters = value;
                        case "--cluster-id" -> clusterId = value;
                        case "--set" -> putSetting(serverConfig, value);
                        default -> dataDir = parseDir(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        QuorumMembership quorum = null;
        if (nodeId != null || voters != null || clusterId != null) {
            if (nodeId == null || voters == null || clusterId == null) {
                throw new IllegalArgumentException("--node-id, --quorum-voters and --cluster-id go together");
            }
            quorum = new QuorumMembership(nodeId, voters, clusterId);
            if (controllerPortGiven && controllerPort != quorum.controllerPort()) {
                throw new IllegalArgumentException("--controller-port " + controllerPort + " differs from node "
                        + nodeId + "'s port " + quorum.controllerPort() + " in --quorum-voters");
            }
            controllerPort = quorum.controllerPort();
        }
        if (port == controllerPort) {
            throw new IllegalArgumentException("--port and --controller-port must differ, both are " + port);
        }
        return new BrokerArguments(port, controllerPort, dataDir, false, quorum, serverConfig);
    }

    private static int parseNodeId(String value) {
        try {
            int id = Integer.parseInt(value);
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--node-id must be a non-negative integer, got '" + value + "'");
    }

    private static void putSetting(Map<String, String> settings, String value) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--set needs key=value, got '" + value + "'");
        }
        settings.put(value.substring(0, eq), value.substring(eq + 1));
    }

    private static int parsePort(String name, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(name + " must be a port number in 1..65535, got '" + value + "'");
    }

    private static Path parseDir(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("--data-dir must not be empty");
        }
        return Path.of(value);
    }
}
