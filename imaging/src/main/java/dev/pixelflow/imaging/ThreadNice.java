package dev.pixelflow.imaging;

import dev.pixelflow.common.worker.DaemonThreads;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.systems.global.linux;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-thread nice values, for helper work that shares the cores with a network. The engine runs each op on all
 * cores at once; a decode thread that pre-empts one of them stalls the others at the op's next barrier, so the
 * op takes as long as if the whole machine had decoded. At a high nice value the kernel runs the helper mostly in
 * the gaps the engine leaves (its single-threaded stretches between ops), and fully whenever the engine waits for
 * it, so the helper cannot starve its own engine. Nice values order threads within one container (cgroup) or one
 * login session (autogroup); outside those the kernel shares the CPU between groups as before.
 *
 * <p>Linux only ({@code setpriority(PRIO_PROCESS, 0, n)} applies to the calling thread there); elsewhere, or when
 * the call fails, threads keep their priority and that is logged once. Raising one's own nice value needs no
 * privilege.
 */
public final class ThreadNice {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadNice.class);
    public static final int MAX = 19;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private ThreadNice() {
    }

    /**
     * Raises the calling thread's nice value to {@code nice}; a thread already at that value or above (a process
     * started with {@code nice -n 19}) is left alone, as is every thread for 0. False where that is not possible.
     */
    public static boolean apply(int nice) {
        requireInRange(nice);
        if (nice == 0) {
            return true;
        }
        try {
            if (linux.getpriority(linux.PRIO_PROCESS, 0) >= nice || linux.setpriority(linux.PRIO_PROCESS, 0, nice) == 0) {
                return true;
            }
            warnOnce(nice, "setpriority failed, errno " + linux.errno());
        } catch (LinkageError | RuntimeException e) {
            // Not Linux, or JavaCPP's native library for it is missing: run at the default priority.
            warnOnce(nice, e.toString());
        }
        return false;
    }

    /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... that run at {@code nice}. */
    public static ThreadFactory daemons(String prefix, int nice) {
        requireInRange(nice);
        ThreadFactory threads = DaemonThreads.numbered(prefix);
        return r -> threads.newThread(() -> {
            apply(nice);
            r.run();
        });
    }

    private static void requireInRange(int nice) {
        if (nice < 0 || nice > MAX) {
            throw new IllegalArgumentException("nice must be within 0.." + MAX + ", got " + nice);
        }
    }

    private static void warnOnce(int nice, String why) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("cannot give helper threads nice {} ({}); they run at the default priority", nice, why);
        }
    }
}
