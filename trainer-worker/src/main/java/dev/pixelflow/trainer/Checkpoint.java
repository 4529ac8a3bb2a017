package dev.pixelflow.trainer;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's progress on disk after each finished epoch: the engine with its optimizer state, and this record.
 * Batch order and augmentation are drawn from (seed, epoch), so the epoch number is all the RNG state a
 * resumed job needs to continue as if it had never stopped.
 *
 * @param snapshot   the tensors end offsets the job reads; a resumed job reads the same data
 * @param engineFile file name of the saved engine beside this record
 */
record Checkpoint(String jobId, int epochsDone, List<EpochMetrics> history, Map<Integer, Long> snapshot,
                  List<String> classNames, String engineFile) {
    static final String FILE = "checkpoint.json";

    static Optional<Checkpoint> read(Path jobDir) throws IOException {
        Path f = jobDir.resolve(FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Checkpoint c = Json.MAPPER.readValue(f.toFile(), new TypeReference<Checkpoint>() { });
        if (!Files.exists(jobDir.resolve(c.engineFile()))) {
            return Optional.empty();
        }
        return Optional.of(c);
    }

    /** Written after the engine file, and atomically, so a checkpoint never names an engine that is not there. */
    void write(Path jobDir) throws IOException {
        Path tmp = jobDir.resolve(FILE + ".tmp");
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, jobDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
