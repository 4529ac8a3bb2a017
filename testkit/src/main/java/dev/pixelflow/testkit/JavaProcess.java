package dev.pixelflow.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code main} class of this test JVM's class path in a JVM of its own, so that a test can kill it with
 * SIGKILL ({@link #kill()}) and start it again. Output (stdout and stderr) goes to a log file, never to a pipe:
 * an unread pipe would block the child once full.
 *
 * <p>Every process started here is also destroyed by a shutdown hook of the test JVM, so a failing test leaves
 * no orphan behind; only processes this class started are touched.
 */
public final class JavaProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JavaProcess.class);
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();
    private static final Pattern HTTP_PORT = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/health");
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "pixelflow-test-children"));
    }

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private int starts;

    private JavaProcess(String name, List<String> command, Map<String, String> env, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with {@code args}, the environment of this JVM plus {@code env}, and {@code jvmArgs}
     * (e.g. -Xmx512m) besides this JVM's module openings.
     *
     * @param log file receiving stdout and stderr; each restart appends to it
     */
    public static JavaProcess start(String name, String mainClass, List<String> jvmArgs, List<String> args,
                                    Map<String, String> env, Path log) {
        Objects.requireNonNull(mainClass, "mainClass");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        // The same module openings as this JVM (ND4J and Kafka may need them).
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).forEach(command::add);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        JavaProcess p = new JavaProcess(name, command, env, log.toAbsolutePath());
        p.start();
        return p;
    }

    /** Starts the same command again (after {@link #kill()} or {@link #stop(Duration)}). */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            Files.writeString(log, "---- start " + (++starts) + " of " + name + " ----\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + command.get(command.size() - 1) + ")", e);
        }
        STARTED.add(process);
        LOG.info("started {} as pid {} (log {})", name, process.pid(), log);
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye to the broker. Waits until the process is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
        LOG.info("killed {} (pid {}) with SIGKILL", name, process.pid());
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code timeout}; returns the exit code. */
    public synchronized int stop(Duration timeout) {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!awaitExit(timeout)) {
            LOG.warn("{} (pid {}) did not stop within {}; killing it", name, process.pid(), timeout);
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
        return process.exitValue();
    }

    /** Waits for the process to end on its own (a command, not a service); its exit code. Killed after {@code timeout}. */
    public synchronized int awaitExitCode(Duration timeout) {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        if (!awaitExit(timeout)) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
            throw new IllegalStateException(name + " still running after " + timeout + "; killed it, see " + log);
        }
        return process.exitValue();
    }

    private boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                STARTED.remove(process);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.pid();
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return log;
    }

    /** The whole log so far (all starts). */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The log of the current start only. */
    public String currentLog() {
        String all = log();
        int at = all.lastIndexOf("---- start ");
        return at < 0 ? all : all.substring(at);
    }

    /** The /health and /metrics port a pixelflow worker of the current start logged, once it has. */
    public OptionalInt httpPort() {
        Matcher m = HTTP_PORT.matcher(currentLog());
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /**
     * Heap in use right after a full collection, in bytes, via {@code jcmd PID GC.run} and {@code GC.heap_info}:
     * what the process really retains, without the garbage that happens to be around.
     */
    public long heapAfterGc() {
        long pid = pid();
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the heap use of " + name + " from jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /**
     * Appends a thread dump ({@code jcmd PID Thread.print}) to the log, for a test that found the process stuck;
     * returns the log file. Never throws: it runs on a failure path.
     */
    public Path dumpThreads() {
        try {
            String dump = jcmd(pid(), "Thread.print");
            Files.writeString(log, "---- thread dump ----\n" + dump, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (RuntimeException | IOException e) {
            LOG.warn("no thread dump of {}: {}", name, e.toString());
        }
        return log;
    }

    private static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), command)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run jcmd " + pid + " " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running jcmd", e);
        }
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return name + (process == null ? "" : "[pid " + process.pid() + (process.isAlive() ? "" : " exited") + "]");
    }
}
