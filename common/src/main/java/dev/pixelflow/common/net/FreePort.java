package dev.pixelflow.common.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A loopback port for a process this one is about to start (a broker, a worker's HTTP server). The child is
 * told the number before it binds, so "port 0" cannot be left to the kernel; the short race with other
 * processes is accepted.
 *
 * <p>The broker module has its own {@code dev.pixelflow.broker.LocalPorts}, used by the broker and by testkit:
 * the broker jar must not depend on common (which brings DL4J), and testkit cannot either (common's tests
 * depend on testkit, a cycle). Everything that depends on common uses this one.
 */
public final class FreePort {
    private static final String HOST = "127.0.0.1";

    private FreePort() {
    }

    /** A port on 127.0.0.1 that was free a moment ago. */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }
}
