package dev.pixelflow.ingest;

import dev.pixelflow.common.worker.WorkerLauncher;

/** {@code java -jar pixelflow-ingest-worker.jar}: configured by environment variables (see README). */
public final class IngestWorkerMain {
    private IngestWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.run("ingest", 8081, ctx -> new IngestWorker(ctx, IngestSettings.from(ctx.source())));
    }
}
