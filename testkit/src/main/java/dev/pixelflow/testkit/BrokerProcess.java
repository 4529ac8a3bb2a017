package dev.pixelflow.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.pixelflow.broker.BrokerMain;
import dev.pixelflow.broker.LocalPorts;
import dev.pixelflow.broker.QuorumMembership;

/**
 * One pixelflow broker ({@link BrokerMain}) in a JVM of its own on fixed 127.0.0.1 ports, so a test can kill it
 * with SIGKILL and start it again on the same ports and data dir, as an operator would.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final String READY = "pixelflow broker ready: bootstrap=";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final JavaProcess process;
    private final int port;
    private final Path dataDir;

    private BrokerProcess(JavaProcess process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** A single-node broker of its own on free ports; returns once it answers. */
    public static BrokerProcess startSingle(String name, Path dataDir) {
        int port = LocalPorts.pickFree();
        int controllerPort = LocalPorts.pickFree();
        BrokerProcess broker = launch(name, port, dataDir, List.of("--controller-port", Integer.toString(controllerPort)));
        broker.awaitReady();
        return broker;
    }

    /** One node of a multi-node cluster; does not wait (a node answers only once a quorum of voters runs). */
    static BrokerProcess launchNode(String name, int port, Path dataDir, QuorumMembership quorum,
                                    Map<String, String> settings) {
        List<String> args = new ArrayList<>(List.of("--node-id", Integer.toString(quorum.nodeId()),
                "--quorum-voters", quorum.voters(), "--cluster-id", quorum.clusterId()));
        settings.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return launch(name, port, dataDir, args);
    }

    private static BrokerProcess launch(String name, int port, Path dataDir, List<String> more) {
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        args.addAll(more);
        JavaProcess process = JavaProcess.start(name, BrokerMain.class.getName(),
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), args, Map.of(),
                dataDir.resolveSibling(dataDir.getFileName() + ".log"));
        return new BrokerProcess(process, port, dataDir);
    }

    /** Blocks until this start printed its ready line; fails if the process exits first. */
    public void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!process.currentLog().contains(READY)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.name() + " exited before it was ready; see " + process.logFile());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(process.name() + " not ready after " + START_TIMEOUT + "; see "
                        + process.logFile());
            }
            try {
                // Polling a log file: there is no event to wait on.
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + process.name(), e);
            }
        }
    }

    /** SIGKILL; the data dir stays, unflushed. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM: a clean shutdown. */
    public void stop() {
        process.stop(Duration.ofSeconds(60));
    }

    /** Starts again on the same ports and data dir and waits until ready. */
    public void restart() {
        process.start();
        awaitReady();
    }

    /** Starts again without waiting (a cluster node waits for its quorum). */
    void relaunch() {
        process.start();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public JavaProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.kill();
    }
}
