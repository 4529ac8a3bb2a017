package dev.pixelflow.trainer;

import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trainer's own settings.
 *
 * @param stateDir       checkpoints, history plots and job state live here (a volume in containers)
 * @param memoryBudget   bytes of uint8 pixels the trainer holds in memory; a larger dataset is streamed from
 *                       {@code tensors} each epoch through a shuffle buffer instead of being held
 * @param progressEvery  how often PROGRESS events go to training.metrics while an epoch runs
 * @param ingestGroupId  the ingest workers' group: a job that takes its dataset while this group is behind
 *                       {@code images.raw} warns that it trains on part of the data
 */
public record TrainerSettings(Path stateDir, String groupId, long memoryBudget, Duration progressEvery,
                              String ingestGroupId) {
    static final String BUDGET = "PIXELFLOW_MEMORY_BUDGET";
    static final String DEFAULT_BUDGET = "4g";
    static final long MIN_BUDGET = 64L * 1024;
    static final long MAX_BUDGET = 1L << 40;
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)i?b?");

    public TrainerSettings {
        if (memoryBudget < MIN_BUDGET) {
            throw new IllegalArgumentException("memoryBudget must be at least " + MIN_BUDGET + " bytes, got " + memoryBudget);
        }
    }

    public static TrainerSettings from(ConfigSource src) {
        return new TrainerSettings(
                Path.of(src.string("PIXELFLOW_STATE_DIR", ".pixelflow/trainer")),
                ConsumerGroups.trainer(src),
                memoryBudget(src),
                src.duration("PIXELFLOW_PROGRESS_INTERVAL", Duration.ofSeconds(2)),
                ConsumerGroups.ingest(src));
    }

    /** PIXELFLOW_MEMORY_BUDGET: a size (512k, 64m, 4g). */
    static long memoryBudget(ConfigSource src) {
        return parseSize(BUDGET, src.string(BUDGET, DEFAULT_BUDGET), MIN_BUDGET, MAX_BUDGET);
    }

    /** A byte size: digits with an optional k, m, g or t suffix (binary units; "b", "ib" and case are ignored). */
    static long parseSize(String name, String text, long min, long max) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        String expected = name + ": expected a size like 512k, 64m or 4g (" + min + " bytes to " + (max >> 30) + "g)";
        if (!m.matches()) {
            throw new ConfigException(expected + ", got '" + text + "'");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n <= (max >> shift) && (n << shift) >= min) {
                return n << shift;
            }
        } catch (NumberFormatException ignored) {
            // too many digits: reported below with the expected form
        }
        throw new ConfigException(expected + ", got '" + text + "'");
    }
}
