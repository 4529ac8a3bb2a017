package dev.pixelflow.broker;

import java.util.List;

/**
 * {@code java -jar pixelflow-broker.jar [--port 9092] [--controller-port PORT] [--data-dir DIR]}; see
 * {@link BrokerArguments} for the options of one node in a multi-node cluster.
 *
 * <p>Stdout carries exactly one line, {@code pixelflow broker ready: bootstrap=127.0.0.1:PORT data=DIR}, so
 * scripts can wait for it; logs go to stderr. SIGTERM / Ctrl-C stop the broker cleanly. Any start failure is
 * one line on stderr and exit status 1.
 */
public final class BrokerMain {
    static {
        // Must run before the first LoggerFactory call. The file has its own name so that this jar never puts
        // a second logback.xml on the classpath of modules that depend on it.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "pixelflow-broker-logback.xml");
        }
        // The broker binds 127.0.0.1 only; plain IPv4 sockets make that visible as such in ss/netstat instead of
        // as IPv4-mapped [::ffff:127.0.0.1]. Read when the first socket is created, so this must run first.
        if (System.getProperty("java.net.preferIPv4Stack") == null) {
            System.setProperty("java.net.preferIPv4Stack", "true");
        }
    }

    private BrokerMain() {
    }

    public static void main(String[] args) {
        BrokerArguments arguments;
        try {
            arguments = BrokerArguments.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            fail(e.getMessage() + " (see: bin/pixelflow broker --help)");
            return;
        }
        if (arguments.help()) {
            System.out.print(BrokerArguments.usage());
            return;
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = new EmbeddedKafkaBroker(BrokerOptions.builder(arguments.dataDir())
                    .port(arguments.port())
                    .controllerPort(arguments.controllerPort())
                    .quorum(arguments.quorum())
                    .clientListeners(arguments.clientListeners())
                    .properties(arguments.serverConfig())
                    .build());
            broker.start();
        } catch (RuntimeException e) {
            fail(e.getMessage());
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "pixelflow-broker-shutdown"));
        System.out.println("pixelflow broker ready: bootstrap=" + broker.bootstrapServers()
                + " data=" + broker.dataDir());
        System.out.flush();
        broker.awaitShutdown();
    }

    private static void fail(String message) {
        System.err.println("pixelflow broker: " + message);
        System.err.flush();
        // halt, not exit: a half-started Kafka may hold non-daemon threads and shutdown hooks would only log noise.
        Runtime.getRuntime().halt(1);
    }
}
