package dev.pixelflow.common.worker;

/**
 * The shape of every pixelflow service: start returns once the work runs on its own threads, stop returns
 * once it has finished its current batch (bounded by the configured shutdown timeout).
 */
public interface Worker {
    String name();

    void start();

    void stop();

    /** False once the worker has failed for good; /health reports it so an orchestrator restarts the process. */
    boolean healthy();

    /** True once the worker's threads have ended (stopped or failed). */
    boolean finished();

    /** Waits until the worker's threads have ended; true if they have. */
    boolean awaitFinished(java.time.Duration timeout) throws InterruptedException;

    /** What made the worker fail for good, if it did and knows; the launcher tells a refusal by the cluster from a crash. */
    default java.util.Optional<Throwable> failure() {
        return java.util.Optional.empty();
    }
}
