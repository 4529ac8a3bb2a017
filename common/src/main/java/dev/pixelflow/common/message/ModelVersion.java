package dev.pixelflow.common.message;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The manifest of one published model version on {@code models}. It is written last, in the same transaction
 * as the artifact's chunks, so a {@code read_committed} reader that sees it can also see every chunk; the
 * sha256 lets the reader prove the chunks it assembled are the artifact.
 *
 * @param request         the training request as JSON text, for lineage
 * @param datasetSnapshot end offsets of {@code tensors} per partition that the job trained on
 * @param history         metrics of every epoch, in order
 * @param artifactSha256  hex sha256 of the whole artifact
 * @param chunkCount      number of chunk records with keys {@link #chunkKey(String, int, int)}
 */
public record ModelVersion(int schemaVersion, String name, int version, Instant createdAt, String jobId, String engine,
                           String request, Map<Integer, Long> datasetSnapshot, int epochs, List<EpochMetrics> history,
                           List<String> classNames, ImageShape inputShape, PreprocessFingerprint fingerprint,
                           String artifactSha256, long artifactSize, int chunkCount) implements Versioned {
    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<ModelVersion> SERDE = new JsonSerde<>(ModelVersion.class, "model version", SCHEMA_VERSION);

    public ModelVersion {
        if (name == null || name.isBlank() || name.contains(":")) {
            throw new IllegalArgumentException("field 'name' is required and must not contain ':'");
        }
        if (version < 1) {
            throw new IllegalArgumentException("field 'version' must be >= 1, got " + version);
        }
        if (classNames == null || classNames.size() < 2) {
            throw new IllegalArgumentException("field 'classNames' needs at least two classes");
        }
        if (inputShape == null || fingerprint == null) {
            throw new IllegalArgumentException("fields 'inputShape' and 'fingerprint' are required");
        }
        if (artifactSha256 == null || artifactSha256.length() != 64) {
            throw new IllegalArgumentException("field 'artifactSha256' must be 64 hex characters");
        }
        if (chunkCount < 1 || artifactSize < 1) {
            throw new IllegalArgumentException("fields 'chunkCount' and 'artifactSize' must be positive");
        }
        datasetSnapshot = datasetSnapshot == null ? Map.of() : Map.copyOf(datasetSnapshot);
        history = history == null ? List.of() : List.copyOf(history);
        classNames = List.copyOf(classNames);
    }

    /** {@code name:version}, the form users type. */
    public String ref() {
        return name + ":" + version;
    }

    /**
     * Whether this version answers with test-time augmentation unless a request says otherwise: the {@code tta} of
     * the training request it records (false for versions trained before the field existed).
     */
    public boolean tta() {
        try {
            return request != null && Json.MAPPER.readTree(request).path("tta").asBoolean(false);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return false;
        }
    }

    public EpochMetrics last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    public static String manifestKey(String name, int version) {
        return "manifest/" + name + "/" + version;
    }

    public static String chunkKey(String name, int version, int index) {
        return "chunk/" + name + "/" + version + "/" + index;
    }
}
