package dev.pixelflow.common.worker;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Daemon threads for helper work (decoding, loading, sending, serving /metrics): they must not keep a JVM alive
 * once its main thread is done. A thread that dies of an exception its task did not catch is logged with its
 * name, so the reason ends up in the worker's log rather than on a bare stderr.
 */
public final class DaemonThreads implements ThreadFactory {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonThreads.class);

    private final String name;
    private final boolean numbered;
    private final AtomicInteger count = new AtomicInteger();

    private DaemonThreads(String name, boolean numbered) {
        if (Objects.requireNonNull(name, "name").isBlank()) {
            throw new IllegalArgumentException("a thread name must not be blank");
        }
        this.name = name;
        this.numbered = numbered;
    }

    /** Every thread is called {@code name}: for one thread, or an executor that has only one. */
    public static DaemonThreads named(String name) {
        return new DaemonThreads(name, false);
    }

    /** Threads called {@code prefix-1}, {@code prefix-2}, ...: for a pool. */
    public static DaemonThreads numbered(String prefix) {
        return new DaemonThreads(prefix, true);
    }

    /** A daemon thread, not started. */
    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(task, numbered ? name + "-" + count.incrementAndGet() : name);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((thread, e) -> LOG.error("thread {} died", thread.getName(), e));
        return t;
    }
}
