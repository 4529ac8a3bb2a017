package dev.pixelflow.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Loopback port helpers: the broker binds 127.0.0.1 only, so ports are probed there. The one free-port picker of the
 * project: the broker needs it for ports it must write into Kafka's config before binding, testkit and the tests for
 * the processes they start. Programs that start a broker or a worker ask it for port 0 and read the port it took.
 */
public final class LocalPorts {
    static final String HOST = "127.0.0.1";

    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago. KRaft needs the controller port written into its config before it
     * binds, so "port 0" cannot be left to the kernel; the short race with other processes is accepted.
     */
    public static int pickFree() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    /** Fails with a one-line reason when {@code port} on 127.0.0.1 is taken, before Kafka logs a stack trace. */
    static void requireFree(int port, String what) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (IOException e) {
            throw new BrokerStartException(
                    what + " " + HOST + ":" + port + " is already in use (" + e.getMessage() + ")", e);
        }
    }
}
