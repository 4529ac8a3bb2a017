package dev.pixelflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a pipeline's CPU went, by thread group, between two snapshots, from Linux's per-thread accounting
 * ({@code /proc/self/task/TID/stat}): every thread counts, the JVM's GC and JIT threads and native library threads
 * included, under their kernel names (at most 15 characters; numbers folded, so all {@code decode-N} threads add
 * up). Threads that ended in between show as "ended threads". Empty where there is no /proc.
 */
final class ThreadCpu {
    /** Linux reports thread times in clock ticks of 1/100 s (USER_HZ) on every mainstream architecture. */
    private static final double TICK_SECONDS = 0.01;

    private final Map<String, Long> ticksByThread;
    private final Map<String, String> names;
    private final long processTicks;

    private ThreadCpu(Map<String, Long> ticksByThread, Map<String, String> names, long processTicks) {
        this.ticksByThread = ticksByThread;
        this.names = names;
        this.processTicks = processTicks;
    }

    static ThreadCpu snapshot() {
        return snapshot(Path.of("/proc/self"));
    }

    /** The same for another process, e.g. the benchmark's broker. */
    static ThreadCpu snapshot(long pid) {
        return snapshot(Path.of("/proc", Long.toString(pid)));
    }

    private static ThreadCpu snapshot(Path proc) {
        Map<String, Long> ticks = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    long t = ticks(Files.readString(task.resolve("stat")));
                    String tid = task.getFileName().toString();
                    ticks.put(tid, t);
                    names.put(tid, Files.readString(task.resolve("comm")).trim());
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked: it shows under "ended threads"
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of(), Map.of(), -1);
        }
        long process;
        try {
            process = ticks(Files.readString(proc.resolve("stat")));
        } catch (IOException | RuntimeException e) {
            process = -1;
        }
        return new ThreadCpu(ticks, names, process);
    }

    /** utime + stime of a {@code stat} line: fields 14 and 15, counted after the ")" that ends the name. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** CPU seconds per thread group from {@code before} to this snapshot, largest first. */
    Map<String, Double> since(ThreadCpu before) {
        Map<String, Double> groups = new HashMap<>();
        long threads = 0;
        for (Map.Entry<String, Long> e : ticksByThread.entrySet()) {
            long delta = e.getValue() - before.ticksByThread.getOrDefault(e.getKey(), 0L);
            if (delta > 0) {
                groups.merge(group(names.get(e.getKey())), delta * TICK_SECONDS, Double::sum);
                threads += delta;
            }
        }
        if (processTicks >= 0 && before.processTicks >= 0) {
            long ended = processTicks - before.processTicks - threads;
            if (ended > 0) {
                groups.put("ended threads", ended * TICK_SECONDS);
            }
        }
        return groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    /** {@code decode-2} → {@code decode-N}, {@code GC Thread#1} → {@code GC Thread#N}. */
    static String group(String threadName) {
        return threadName == null ? "?" : threadName.replaceAll("\\d+", "N");
    }

    /** The top {@code limit} groups as "name 1.2 s, ...". */
    static String describe(Map<String, Double> groups, int limit) {
        return groups.entrySet().stream().limit(limit)
                .map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
