package dev.pixelflow.common.worker;

import java.time.Duration;

/** The wait before a worker's next retry: doubling from the first backoff, at most 10 s. */
public final class Backoff {
    static final long MAX_MILLIS = 10_000;

    private Backoff() {
    }

    /** @param attempt 1 for the first retry */
    public static long millis(Duration first, int attempt) {
        return Math.min(first.toMillis() << Math.min(Math.max(attempt, 1) - 1, 6), MAX_MILLIS);
    }
}
