package dev.pixelflow.bench;

import java.util.function.IntConsumer;

/** The timing loop every engine run uses (the PyTorch script has the same one): warm-up, then a bounded run. */
final class Timed {
    private Timed() {
    }

    /**
     * Calls {@code step} {@code warmup} times untimed, then again until it has run at least {@code minBatches} times
     * and {@code minSeconds} have passed; returns {@code batch} × timed steps / seconds.
     */
    static double rate(IntConsumer step, int batch, int warmup, int minBatches, double minSeconds) {
        for (int i = 0; i < warmup; i++) {
            step.accept(i);
        }
        long t0 = System.nanoTime();
        int done = 0;
        double elapsed;
        do {
            step.accept(done);
            done++;
            elapsed = (System.nanoTime() - t0) / 1e9;
        } while (done < minBatches || elapsed < minSeconds);
        return (double) batch * done / elapsed;
    }
}
