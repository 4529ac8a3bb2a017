package dev.pixelflow.cli.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The local pixelflow stack as separate processes: the embedded broker and the three workers, each started
 * through {@code bin/pixelflow} exactly as a user (or a container) would, with its output in a log file.
 * Used by {@code demo} (which stops it at the end) and {@code up}/{@code down} (which leave it running).
 */
public final class LocalStack implements AutoCloseable {
    /** The broker's one stdout line: {@code pixelflow broker ready: bootstrap=HOST:PORT data=DIR}. */
    private static final String BROKER_READY = "pixelflow broker ready: bootstrap=";
    /** The worker's log line that names its health and metrics address (WorkerHttpServer). */
    private static final String HTTP_SERVING = "health and metrics on http://";
    private static final java.util.regex.Pattern HTTP_PORT = java.util.regex.Pattern.compile("http://[^:/]+:(\\d+)/health");

    /** A started service: its process and where it writes. */
    public record Service(String name, ProcessHandle process, Path log, int httpPort) {
    }

    private final Path home;
    private final Path runDir;
    private final List<Service> services = new ArrayList<>();

    public LocalStack(Path runDir) {
        this.home = home();
        this.runDir = runDir;
    }

    /** Where bin/pixelflow lives: the launcher exports PIXELFLOW_HOME. */
    public static Path home() {
        String h = System.getenv("PIXELFLOW_HOME");
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath();
    }

    public List<Service> services() {
        return List.copyOf(services);
    }

    /**
     * Starts the embedded broker on {@code port} (0: one the broker picks), its controller on a port the broker picks,
     * and waits for its ready line; returns its bootstrap address as that line gives it.
     */
    public String startBroker(int port, Path dataDir, Duration timeout) throws IOException, InterruptedException {
        Path log = runDir.resolve("logs").resolve("broker.log");
        long logStart = sizeOf(log);
        Process p = launch(List.of("broker", "--port", Integer.toString(port), "--controller-port", "0",
                "--data-dir", dataDir.toAbsolutePath().toString()), Map.of(), log);
        services.add(new Service("broker", p.toHandle(), log, -1));
        String ready = waitForLine(p, log, logStart, BROKER_READY, timeout);
        return ready.substring(ready.indexOf(BROKER_READY) + BROKER_READY.length()).split("\\s+")[0];
    }

    /**
     * Starts one worker with the given environment and waits until its /health answers. Its HTTP server takes a port
     * the kernel gives it, which the worker's log line names.
     */
    public Service startWorker(String role, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        Map<String, String> all = new HashMap<>(env);
        all.put("PIXELFLOW_HTTP_PORT", "0");
        all.putIfAbsent("PIXELFLOW_INSTANCE_ID", role + "-local");
        Path log = runDir.resolve("logs").resolve(role + ".log");
        long logStart = sizeOf(log);
        Process p = launch(List.of("worker", role), all, log);
        String serving = waitForLine(p, log, logStart, HTTP_SERVING, timeout);
        java.util.regex.Matcher m = HTTP_PORT.matcher(serving);
        if (!m.find()) {
            throw new IOException("cannot read the HTTP port of the " + role + " worker from: " + serving);
        }
        int port = Integer.parseInt(m.group(1));
        Service s = new Service(role, p.toHandle(), log, port);
        services.add(s);
        waitForHealth(p, log, port, timeout);
        return s;
    }

    private Process launch(List<String> args, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin").resolve("pixelflow").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    static long sizeOf(Path log) throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /**
     * Waits until the log has a line containing {@code text} after byte {@code from}; returns that line. Logs are
     * appended to across runs in the same directory, so an earlier run's line (another port) must not count.
     */
    static String waitForLine(Process p, Path log, long from, String text, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                byte[] all = Files.readAllBytes(log);
                int start = (int) Math.min(from, all.length);
                for (String line : new String(all, start, all.length - start, StandardCharsets.UTF_8).split("\n")) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            if (!p.isAlive()) {
                throw new IOException("the process exited (code " + p.exitValue() + ") before it was ready; last lines of "
                        + log + ":\n" + tail(log, 8));
            }
            p.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new IOException("not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    private static void waitForHealth(Process p, Path log, int port, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("the worker exited (code " + p.exitValue() + "); last lines of " + log + ":\n" + tail(log, 8));
            }
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            p.waitFor(250, TimeUnit.MILLISECONDS);
        }
        throw new IOException("no /health answer within " + timeout.toSeconds() + " s; see " + log);
    }

    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log)";
        }
    }

    /** Stops every service, workers first and the broker last: SIGTERM, then SIGKILL after the grace period. */
    public static void stopAll(List<ProcessHandle> processes, Duration grace) {
        for (ProcessHandle p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> order = new ArrayList<>();
        for (int i = services.size() - 1; i >= 0; i--) {
            order.add(services.get(i).process());
        }
        // Workers first (they were started after the broker), so they can finish their batch and close cleanly.
        List<ProcessHandle> workers = order.subList(0, Math.max(0, order.size() - (hasBroker() ? 1 : 0)));
        stopAll(new ArrayList<>(workers), Duration.ofSeconds(15));
        if (hasBroker()) {
            stopAll(List.of(services.get(0).process()), Duration.ofSeconds(20));
        }
        services.clear();
    }

    private boolean hasBroker() {
        return !services.isEmpty() && services.get(0).name().equals("broker");
    }
}
