package dev.pixelflow.trainer;

import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.WorkerLauncher;

/** {@code java -jar pixelflow-trainer-worker.jar}: configured by environment variables (see README). */
public final class TrainerWorkerMain {
    private TrainerWorkerMain() {
    }

    public static void main(String[] args) {
        run(FaultHook.NONE);
    }

    /** The worker, with {@code beforePublishCommit} called inside each publish transaction (the fault suite's). */
    public static void run(FaultHook beforePublishCommit) {
        WorkerLauncher.run("trainer", 8082,
                ctx -> new TrainerWorker(ctx, TrainerSettings.from(ctx.source()), beforePublishCommit));
    }
}
