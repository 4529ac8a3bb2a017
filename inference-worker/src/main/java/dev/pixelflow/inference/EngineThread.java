package dev.pixelflow.inference;

import dev.pixelflow.common.worker.DaemonThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs the engines. Engines are not thread-safe, and inference of one poll overlaps the
 * request loop's work on the next (decoding, model resolution, the commit of the previous poll), so every
 * {@code classify} runs here, one poll after the other, and so does every close of an engine that a queued poll
 * might still use: the request loop defers such closes ({@link #closeLater}) and they run after the polls
 * already handed over.
 */
final class EngineThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineThread.class);
    private static final long STOP_WAIT_SECONDS = 60;

    private final ExecutorService executor = Executors.newSingleThreadExecutor(DaemonThreads.named("inference-engine"));
    /** Request-loop thread only: engines to close once the polls handed over so far are done. */
    private final List<LoadedModel> toClose = new ArrayList<>();

    /** Runs one poll's inference after the polls submitted before it; then the closes deferred until now. */
    <T> Future<T> submit(Callable<T> work) {
        Future<T> f = executor.submit(work);
        flushCloses();
        return f;
    }

    /** Closes {@code model} on this thread after every poll handed over so far (it may still be in use). */
    void closeLater(LoadedModel model) {
        toClose.add(model);
    }

    private void flushCloses() {
        for (LoadedModel m : toClose) {
            executor.execute(m::close);
        }
        toClose.clear();
    }

    /** Waits for the work handed over (a running engine call cannot be interrupted), then closes what is left. */
    @Override
    public void close() {
        flushCloses();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("inference engine thread still busy after {} s; closing anyway", STOP_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
