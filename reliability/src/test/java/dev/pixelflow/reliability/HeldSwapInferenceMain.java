package dev.pixelflow.reliability;

import dev.pixelflow.inference.InferenceWorkerMain;
import java.time.Duration;

/**
 * The inference worker with each newer model version held, loaded, for the duration given as the only argument
 * (ISO-8601, e.g. PT2S) before it is swapped in, so that a scenario can kill it between load and swap.
 */
public final class HeldSwapInferenceMain {
    private HeldSwapInferenceMain() {
    }

    public static void main(String[] args) {
        InferenceWorkerMain.run(new Hold(Duration.parse(args[0]), "loaded, swapping it in"));
    }
}
