package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.testkit.JavaProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.awaitility.core.ConditionTimeoutException;

/** SIGKILLs a worker repeatedly in the middle of its backlog, restarting it at once each time. */
final class Kills {
    private Kills() {
    }

    /**
     * Kills the worker {@code kills} times, each once a further share of its {@code inputs} is visible in
     * {@code outputs} plus a random moment, restarting it at once; returns each kill's time to recover (ms).
     *
     * @param beforeKill runs before kill k (1-based), to aim it at a moment of the scenario's choosing
     * @param aimed      true for a kill that {@code beforeKill} aims at a moment of its own (a model swap): the worker may
     *                   have finished its backlog by then, which for the other kills would mean the kill proved nothing
     */
    static List<Long> repeatedly(JavaProcess worker, OutputWatch outputs, int inputs, int kills, Random random,
                                 IntConsumer beforeKill, IntPredicate aimed) {
        List<Long> recoveries = new ArrayList<>();
        for (int k = 1; k <= kills; k++) {
            int target = k * inputs / (kills + 2);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                    .failFast("the worker exited; see " + worker.logFile(), () -> !worker.isAlive())
                    .until(() -> outputs.count() >= target);
            beforeKill.accept(k);
            // A random moment in the worker's transaction cycle, but cut short once a third of the rest of the backlog
            // is out: a quiet machine ingests hundreds of images in 400 ms, and a kill after the backlog proves nothing.
            int latest = target + (inputs - target) / 3;
            long pauseEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) (random.nextDouble() * 400));
            while (System.nanoTime() < pauseEnd && (aimed.test(k) || outputs.count() < latest)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            long killedAt = System.currentTimeMillis();
            worker.kill();
            int atKill = outputs.count();
            if (!aimed.test(k)) {
                assertThat(atKill).as("%s killed before it finished its backlog", worker.name()).isLessThan(inputs);
            }
            worker.start();
            if (atKill >= inputs) {
                // An aimed kill after the backlog: no output will come to time the recovery by; the scenario checks
                // the restarted worker itself.
                recoveries.add(-1L);
                continue;
            }
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                        .failFast("the restarted worker exited; see " + worker.logFile(), () -> !worker.isAlive())
                        .until(() -> outputs.recoveredAfter(killedAt) >= 0);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no new output from " + worker.name() + " after kill " + k + " (" + atKill
                        + " outputs at the kill); thread dump in " + worker.dumpThreads(), e);
            }
            recoveries.add(outputs.recoveredAfter(killedAt));
        }
        return recoveries;
    }

    /** The longest recovery, for the table. */
    static String max(List<Long> recoveries) {
        return ReliabilityTable.seconds(recoveries.stream().mapToLong(Long::longValue).max().orElse(-1))
                + " (max of " + recoveries.size() + ")";
    }
}
