package dev.pixelflow.reliability;

import dev.pixelflow.trainer.TrainerWorkerMain;
import java.time.Duration;

/**
 * The trainer worker with each publish transaction held open, its records sent, for the duration given as the only
 * argument (ISO-8601, e.g. PT3S), so that a scenario can kill it inside the transaction.
 */
public final class HeldPublishTrainerMain {
    private HeldPublishTrainerMain() {
    }

    public static void main(String[] args) {
        TrainerWorkerMain.run(new Hold(Duration.parse(args[0]), "sent, publish transaction open"));
    }
}
