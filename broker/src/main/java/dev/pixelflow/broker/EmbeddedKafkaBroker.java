package dev.pixelflow.broker;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker+controller) running inside this JVM.
 *
 * <p>Listens on 127.0.0.1 only, unless {@link BrokerOptions#clientListeners()} binds the client listeners elsewhere. The data dir holds the KRaft log dir ({@value #LOG_DIR_NAME}/) and the last
 * generated {@value #SERVER_PROPERTIES}; it is formatted on first use and reused afterwards, so topics and
 * records survive {@link #close()} and a new broker on the same dir. One instance starts once; to restart,
 * create a new instance on the same options.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    public static final String LOG_DIR_NAME = "kraft-logs";
    public static final String SERVER_PROPERTIES = "server.properties";
    private static final Duration READY_POLL = Duration.ofMillis(100);

    private enum State { NEW, RUNNING, CLOSED }

    private final BrokerOptions options;
    private final Path dataDir;
    private State state = State.NEW;
    private volatile KafkaRaftServer server;
    private int port;
    private int controllerPort;
    private SecuredListener secured;
    private String clusterId;

    public EmbeddedKafkaBroker(BrokerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.dataDir = options.dataDir().toAbsolutePath().normalize();
    }

    /** Starts the broker and returns once an Admin client's describeCluster sees it. */
    public synchronized EmbeddedKafkaBroker start() {
        if (state != State.NEW) {
            throw new IllegalStateException("broker on " + dataDir + " was already started; create a new "
                    + "EmbeddedKafkaBroker to start again on the same data dir");
        }
        long started = System.nanoTime();
        KafkaLogLevels.quietUnlessConfigured();
        Path logDir = prepareDataDir();
        int chosenPort = choosePort(options.port(), -1, "Kafka port");
        int chosenControllerPort = choosePort(options.controllerPort(), chosenPort, "Kafka controller port");
        SecuredListener chosenSecured = null;
        if (options.secured() != null) {
            int securedPort = options.secured().port();
            while (securedPort == 0 || securedPort == chosenPort || securedPort == chosenControllerPort) {
                securedPort = LocalPorts.pickFree();
            }
            chosenSecured = options.secured().onPort(securedPort);
        }
        Map<String, String> settings = KafkaServerSettings.of(chosenPort, chosenControllerPort, logDir,
                options.quorum(), options.clientListeners(), chosenSecured, options.extraProperties());
        Path serverProperties = writeServerProperties(settings);
        String formattedClusterId = StorageFormat.ensureFormatted(serverProperties, logDir, options.quorum());

        KafkaRaftServer raftServer = null;
        try {
            Properties properties = new Properties();
            properties.putAll(settings);
            raftServer = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            raftServer.startup();
        } catch (RuntimeException e) {
            stopQuietly(raftServer);
            state = State.CLOSED;
            throw new BrokerStartException("Kafka broker on data dir " + dataDir + " failed to start: "
                    + e.getMessage(), e);
        }
        server = raftServer;
        port = chosenPort;
        controllerPort = chosenControllerPort;
        secured = chosenSecured;
        clusterId = formattedClusterId;
        state = State.RUNNING;
        try {
            awaitReady();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("Kafka broker ready at {} (controller port {}, cluster {}, data {}) in {} ms",
                bootstrapServers(), controllerPort, clusterId, dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return this;
    }

    /** "127.0.0.1:port" for clients' bootstrap.servers. */
    public synchronized String bootstrapServers() {
        requireRunning();
        return LocalPorts.HOST + ":" + port;
    }

    /** "127.0.0.1:port" of the SASL_SSL client listener of a secured broker. */
    public synchronized String securedBootstrapServers() {
        requireRunning();
        if (secured == null) {
            throw new IllegalStateException("broker on " + dataDir + " has no secured listener");
        }
        return LocalPorts.HOST + ":" + secured.port();
    }

    public synchronized int port() {
        requireRunning();
        return port;
    }

    public synchronized int controllerPort() {
        requireRunning();
        return controllerPort;
    }

    public synchronized String clusterId() {
        requireRunning();
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Blocks until the broker has shut down (by {@link #close()} from another thread, or by a fatal error). */
    public void awaitShutdown() {
        KafkaRaftServer running = server;
        if (running != null) {
            running.awaitShutdown();
        }
    }

    /** Stops the broker cleanly (log segments flushed, clean-shutdown marker written). Idempotent. */
    @Override
    public synchronized void close() {
        if (state != State.RUNNING) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        long started = System.nanoTime();
        KafkaRaftServer running = server;
        running.shutdown();
        running.awaitShutdown();
        LOG.info("Kafka broker at {}:{} stopped in {} ms", LocalPorts.HOST, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("broker on " + dataDir + " is not running (state " + state + ")");
        }
    }

    private Path prepareDataDir() {
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new BrokerStartException("data dir " + dataDir + " exists but is not a directory");
        }
        Path logDir = dataDir.resolve(LOG_DIR_NAME);
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new BrokerStartException("cannot create data dir " + logDir + ": " + e, e);
        }
        if (!Files.isWritable(dataDir) || !Files.isWritable(logDir)) {
            throw new BrokerStartException("data dir " + dataDir + " is not writable");
        }
        return logDir;
    }

    private static int choosePort(int requested, int taken, String what) {
        if (requested != 0) {
            LocalPorts.requireFree(requested, what);
            return requested;
        }
        int candidate = LocalPorts.pickFree();
        while (candidate == taken) {
            candidate = LocalPorts.pickFree();
        }
        return candidate;
    }

    /** Written for StorageTool and for people debugging a data dir; the broker itself uses the same map. */
    private Path writeServerProperties(Map<String, String> settings) {
        Path file = dataDir.resolve(SERVER_PROPERTIES);
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, "Generated by pixelflow EmbeddedKafkaBroker on every start; edits are lost");
        } catch (IOException e) {
            throw new BrokerStartException("cannot write " + file + ": " + e, e);
        }
        return file;
    }

    private void awaitReady() {
        String bootstrap = bootstrapServers();
        Duration timeout = options.startTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties adminProperties = new Properties();
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        adminProperties.put(AdminClientConfig.CLIENT_ID_CONFIG, "pixelflow-broker-readiness");
        if (secured != null) {
            adminProperties.putAll(secured.superUserClientProperties());
        }
        Exception last = null;
        Admin admin = Admin.create(adminProperties);
        try {
            while (true) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMs <= 0) {
                    throw new BrokerStartException("Kafka broker at " + bootstrap + " did not answer describeCluster"
                            + " within " + timeout + (last == null ? "" : ": " + last), last);
                }
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(remainingMs, TimeUnit.MILLISECONDS);
                    if (nodes.stream().anyMatch(node -> node.id() == options.nodeId())) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                // Polling backoff while the broker finishes registering; not test synchronisation.
                Thread.sleep(READY_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerStartException("interrupted while waiting for Kafka broker at " + bootstrap, e);
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }

    private static void stopQuietly(KafkaRaftServer raftServer) {
        if (raftServer == null) {
            return;
        }
        try {
            raftServer.shutdown();
            raftServer.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Shutting down a broker that failed to start also failed: {}", e.toString());
        }
    }
}
