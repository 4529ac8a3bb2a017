package dev.pixelflow.reliability;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;

/** Small helpers the scenarios share. */
final class Scenarios {
    static final Path LOGS = Path.of("target", "fault-logs").toAbsolutePath();

    private Scenarios() {
    }

    /** Creates every topic as a worker would (TopicAdmin), so inputs can be sent before any worker runs. */
    static Topics createTopics(String bootstrap, String prefix) {
        Topics topics = new Topics(prefix);
        KafkaClients clients = new KafkaClients(new KafkaSettings(bootstrap, prefix, Map.of()), "reliability");
        try (Admin admin = clients.admin()) {
            TopicAdmin.ensure(admin, topics.all(), Duration.ofSeconds(60));
        }
        return topics;
    }

    /**
     * A fault-injection delay: a random point in time, not synchronisation (which uses Awaitility). Parks for
     * 0..{@code maxMillis} ms.
     */
    static void randomPause(Random random, long maxMillis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos((long) (random.nextDouble() * maxMillis)));
    }

    /** Heap after GC of each running process, in MiB, for the table's notes. */
    static List<Long> heapSamples(List<JavaProcess> processes) {
        List<Long> out = new ArrayList<>();
        for (JavaProcess p : processes) {
            out.add(p.heapAfterGc());
        }
        return out;
    }

    /**
     * SIGTERM, then whether the worker stopped cleanly: exit status 0, or 143 (the JVM's status after SIGTERM once
     * its shutdown hooks ran), and its own "stopped" line without "after a failure".
     */
    static String stopCleanly(JavaProcess worker) {
        int exit = worker.stop(Duration.ofSeconds(30));
        String log = worker.currentLog();
        boolean stopped = log.contains(" worker: stopped (") && !log.contains("stopped after a failure");
        return (exit == 0 || exit == 143) && stopped ? "clean" : "exit " + exit + (stopped ? "" : ", no clean stop line")
                + " (see " + worker.logFile() + ")";
    }

    /**
     * One fail-fast check for several workers: Awaitility keeps only the last {@code failFast} of a chain, so two
     * chained checks would silently watch only the second worker.
     */
    static org.awaitility.core.ThrowingRunnable noneExited(JavaProcess... workers) {
        return () -> {
            for (JavaProcess w : workers) {
                if (!w.isAlive()) {
                    throw new AssertionError(w.name() + " exited; see " + w.logFile());
                }
            }
        };
    }

    /** Waits until each worker's consume loop has its partitions, so that traffic meets running workers. */
    static void awaitAssigned(JavaProcess... workers) {
        for (JavaProcess w : workers) {
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .failFast(w.name() + " exited; see " + w.logFile(), () -> !w.isAlive())
                    .until(() -> w.currentLog().contains("TransactionalLoop - ") && w.currentLog().contains(": assigned ["));
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
