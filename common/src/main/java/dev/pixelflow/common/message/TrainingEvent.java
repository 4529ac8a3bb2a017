package dev.pixelflow.common.message;

/**
 * Progress of a training job on {@code training.metrics}, keyed by job id, so a client can follow one job
 * live: STARTED, PROGRESS (within an epoch), EPOCH (with metrics), INTERIM (a version published before the end, the
 * job goes on), PUBLISHED (the final version), FAILED, WARNING (the job goes on, but something about it needs a
 * look, e.g. it took its dataset while the ingest worker still had raw images to turn into tensors; the text is in
 * {@code message}). WARNING came later within schema version 1: a reader that does not know it skips the event.
 */
public record TrainingEvent(int schemaVersion, String jobId, String model, Type type, long timestamp, int epoch,
                            int epochs, long batch, long batches, EpochMetrics metrics, Integer version,
                            String message) implements Versioned {
    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<TrainingEvent> SERDE = new JsonSerde<>(TrainingEvent.class, "training event", SCHEMA_VERSION);

    public enum Type { STARTED, PROGRESS, EPOCH, INTERIM, PUBLISHED, FAILED, WARNING }

    public TrainingEvent {
        if (jobId == null || jobId.isEmpty()) {
            throw new IllegalArgumentException("field 'jobId' is required");
        }
        if (type == null) {
            throw new IllegalArgumentException("field 'type' is required");
        }
    }
}
