package dev.pixelflow.inference;

import dev.pixelflow.engine.NativeBackend;
import dev.pixelflow.engine.NativeBackend;
import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.WorkerLauncher;

/** {@code java -jar pixelflow-inference-worker.jar}: configured by environment variables (see README). */
public final class InferenceWorkerMain {
    private InferenceWorkerMain() {
    }

    public static void main(String[] args) {
        run(FaultHook.NONE);
    }

    /** The worker, with {@code beforeSwap} called between loading a newer version and swapping it in (the fault suite's). */
    public static void run(FaultHook beforeSwap) {
        // Before anything touches ND4J: picks the native build this CPU can run.
        NativeBackend.configure();
        WorkerLauncher.run("inference", 8083,
                ctx -> new InferenceWorker(ctx, InferenceSettings.from(ctx.source()), beforeSwap));
    }
}
