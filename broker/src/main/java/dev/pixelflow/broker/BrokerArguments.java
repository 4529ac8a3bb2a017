package dev.pixelflow.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line of {@link BrokerMain}: {@code [--port 9092] [--controller-port PORT] [--data-dir DIR]}, and for
 * one node of a multi-node cluster {@code --node-id N --quorum-voters id@host:port,... --cluster-id ID}, plus any
 * number of {@code --set key=value} Kafka server settings.
 *
 * <p>The KRaft controller port defaults to the client port plus one (9093 beside 9092), so brokers started with
 * different {@code --port}s two apart run side by side; {@code --controller-port 0} picks a free one instead.
 *
 * @param port           client port; 0 picks a free port
 * @param controllerPort controller port; 0 picks a free port
 * @param help           true when --help / -h was given; the other fields then hold defaults
 * @param quorum         null for the single-node default; else this node's cluster membership
 * @param serverConfig   extra Kafka server settings from --set
 * @param clientListeners where clients reach the broker: --listen-address, --advertised-host, --external-listener
 */
public record BrokerArguments(int port, int controllerPort, Path dataDir, boolean help, QuorumMembership quorum,
                              Map<String, String> serverConfig, ClientListeners clientListeners) {
    public static final int DEFAULT_PORT = 9092;
    public static final Path DEFAULT_DATA_DIR = Path.of(".pixelflow", "broker");

    public BrokerArguments {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clientListeners, "clientListeners");
        serverConfig = Map.copyOf(serverConfig);
    }

    /** Single-node arguments on 127.0.0.1 without extra settings. */
    public BrokerArguments(int port, int controllerPort, Path dataDir, boolean help) {
        this(port, controllerPort, dataDir, help, null, Map.of(), ClientListeners.LOOPBACK);
    }

    /** The usage text printed for --help and after a bad argument. */
    public static String usage() {
        return new CommandLine(new Spec()).getUsageMessage();
    }

    /** Parses {@code args}; {@link IllegalArgumentException} messages are single lines naming the bad argument. */
    public static BrokerArguments parse(List<String> args) {
        Spec spec = new Spec();
        CommandLine commandLine = new CommandLine(spec);
        try {
            commandLine.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage().replace('\n', ' '), e);
        }
        if (spec.help) {
            return new BrokerArguments(DEFAULT_PORT, DEFAULT_PORT + 1, DEFAULT_DATA_DIR, true);
        }
        if (spec.dataDir.toString().isBlank()) {
            throw new IllegalArgumentException("--data-dir must not be empty");
        }
        if (spec.nodeId != null && spec.nodeId < 0) {
            throw new IllegalArgumentException("--node-id must be a non-negative integer, got '" + spec.nodeId + "'");
        }
        QuorumMembership quorum = null;
        int controllerPort;
        if (spec.nodeId != null || spec.voters != null || spec.clusterId != null) {
            if (spec.nodeId == null || spec.voters == null || spec.clusterId == null) {
                throw new IllegalArgumentException("--node-id, --quorum-voters and --cluster-id go together");
            }
            quorum = new QuorumMembership(spec.nodeId, spec.voters, spec.clusterId);
            if (spec.controllerPort != null && spec.controllerPort != quorum.controllerPort()) {
                throw new IllegalArgumentException("--controller-port " + spec.controllerPort + " differs from node "
                        + spec.nodeId + "'s port " + quorum.controllerPort() + " in --quorum-voters");
            }
            controllerPort = quorum.controllerPort();
        } else if (spec.controllerPort != null) {
            controllerPort = spec.controllerPort;
        } else if (spec.port == 0) {
            controllerPort = 0;
        } else if (spec.port == 65_535) {
            throw new IllegalArgumentException("--port 65535 leaves no next port for the controller; give --controller-port");
        } else {
            controllerPort = spec.port + 1;
        }
        if (spec.port != 0 && spec.port == controllerPort) {
            throw new IllegalArgumentException("--port and --controller-port must differ, both are " + spec.port);
        }
        ClientListeners clients = ClientListeners.of(spec.listenAddress, spec.advertisedHost, spec.externalListener);
        if (clients.externalPort() != 0 && (clients.externalPort() == spec.port || clients.externalPort() == controllerPort)) {
            throw new IllegalArgumentException("--external-listener port " + clients.externalPort()
                    + " must differ from --port and --controller-port");
        }
        return new BrokerArguments(spec.port, controllerPort, spec.dataDir, false, quorum, spec.serverConfig, clients);
    }

    @Command(name = "pixelflow broker", mixinStandardHelpOptions = false, sortOptions = false,
            description = "A single-node Apache Kafka broker (KRaft), on 127.0.0.1 unless told otherwise, or one node of a multi-node cluster.")
    private static final class Spec {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "this text")
        boolean help;

        @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + DEFAULT_PORT, converter = PortConverter.class,
                description = "client (PLAINTEXT) port; 0 = a free port (default ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--controller-port", paramLabel = "PORT", converter = PortConverter.class,
                description = "KRaft controller port; 0 = a free port (default: --port + 1; with --quorum-voters, this node's voter port)")
        Integer controllerPort;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".pixelflow/broker",
                description = "log dir and cluster id, kept across restarts (default ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--listen-address", paramLabel = "ADDR", defaultValue = "127.0.0.1",
                description = "interface the client listeners bind; 0.0.0.0 in a container (default ${DEFAULT-VALUE})")
        String listenAddress;

        @Option(names = "--advertised-host", paramLabel = "HOST",
                description = "host clients are told to connect to (default: the listen address; localhost for 0.0.0.0)")
        String advertisedHost;

        @Option(names = "--external-listener", paramLabel = "PORT=HOST:PORT",
                description = "a second plain listener on PORT that advertises HOST:PORT, for clients that come in "
                        + "through a published port (the host, when the broker runs in a container network)")
        String externalListener;

        @Option(names = "--node-id", paramLabel = "N", description = "this node's id in a multi-node cluster")
        Integer nodeId;

        @Option(names = "--quorum-voters", paramLabel = "id@host:port,...", description = "every node's controller address")
        String voters;

        @Option(names = "--cluster-id", paramLabel = "ID", description = "the cluster id every node formats with")
        String clusterId;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "a Kafka server setting (repeatable)")
        Map<String, String> serverConfig = new LinkedHashMap<>();
    }
}
