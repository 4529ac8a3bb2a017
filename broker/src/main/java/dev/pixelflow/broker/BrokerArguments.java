package dev.pixelflow.broker;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Command line of {@link BrokerMain}: {@code [--port 9092] [--controller-port 9093] [--data-dir DIR]}.
 *
 * @param help true when --help / -h was given; the other fields then hold defaults
 */
public record BrokerArguments(int port, int controllerPort, Path dataDir, boolean help) {
    public static final int DEFAULT_PORT = 9092;
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    public static final Path DEFAULT_DATA_DIR = Path.of(".pixelflow", "broker");
    public static final String USAGE =
            "usage: java -jar pixelflow-broker.jar [--port 9092] [--controller-port 9093]"
                    + " [--data-dir ./.pixelflow/broker]";

    public BrokerArguments {
        Objects.requireNonNull(dataDir, "dataDir");
    }

    /** Parses {@code args}; {@link IllegalArgumentException} messages are single lines naming the bad argument. */
    public static BrokerArguments parse(List<String> args) {
        int port = DEFAULT_PORT;
        int controllerPort = DEFAULT_CONTROLLER_PORT;
        Path dataDir = DEFAULT_DATA_DIR;
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
                case "--port", "--controller-port", "--data-dir" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    switch (name) {
                        case "--port" -> port = parsePort(name, value);
                        case "--controller-port" -> controllerPort = parsePort(name, value);
                        default -> dataDir = parseDir(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        if (port == controllerPort) {
            throw new IllegalArgumentException("--port and --controller-port must differ, both are " + port);
        }
        return new BrokerArguments(port, controllerPort, dataDir, false);
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
