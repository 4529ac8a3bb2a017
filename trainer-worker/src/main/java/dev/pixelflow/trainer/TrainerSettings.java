package dev.pixelflow.trainer;

import dev.pixelflow.common.config.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The trainer's own settings.
 *
 * @param stateDir       checkpoints, history plots and job state live here (a volume in containers)
 * @param memoryBudget   bytes of uint8 pixels the trainer holds in memory; a larger dataset fails with a clear message
 * @param progressEvery  how often PROGRESS events go to training.metrics while an epoch runs
 */
public record TrainerSettings(Path stateDir, String groupId, long memoryBudget, Duration progressEvery) {

    public static TrainerSettings from(ConfigSource src) {
        return new TrainerSettings(
                Path.of(src.string("PIXELFLOW_STATE_DIR", ".pixelflow/trainer")),
                src.string("PIXELFLOW_TRAINER_GROUP", "pixelflow-trainer"),
                src.longIn("PIXELFLOW_MEMORY_BUDGET_MB", 4096, 16, 1 << 20) * 1024 * 1024,
                src.duration("PIXELFLOW_PROGRESS_INTERVAL", Duration.ofSeconds(2)));
    }
}
