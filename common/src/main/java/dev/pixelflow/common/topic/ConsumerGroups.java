package dev.pixelflow.common.topic;

/**
 * The workers' consumer groups, declared once beside the topics: a worker joins its group, and a client that must
 * know how far a worker has come (ingest waiting for its images, the trainer checking for unprocessed images)
 * reads the same group's committed offsets. Each can be overridden by the variable named here.
 */
public final class ConsumerGroups {
    public static final String INGEST = "pixelflow-ingest";
    public static final String INGEST_VARIABLE = "PIXELFLOW_INGEST_GROUP";
    public static final String TRAINER = "pixelflow-trainer";
    public static final String TRAINER_VARIABLE = "PIXELFLOW_TRAINER_GROUP";
    public static final String INFERENCE = "pixelflow-inference";
    public static final String INFERENCE_VARIABLE = "PIXELFLOW_INFERENCE_GROUP";

    private ConsumerGroups() {
    }
}
