package dev.pixelflow.trainer;

import dev.pixelflow.common.worker.WorkerLauncher;

/** {@code java -jar pixelflow-trainer-worker.jar}: configured by environment variables (see README). */
public final class TrainerWorkerMain {
    private TrainerWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.run("trainer", 8082, ctx -> new TrainerWorker(ctx, TrainerSettings.from(ctx.source())));
    }
}
