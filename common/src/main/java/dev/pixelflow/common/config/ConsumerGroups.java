package dev.pixelflow.common.config;

/**
 * The workers' consumer groups, read in one place: each worker joins its own, the ingest group is also watched by
 * the trainer and by {@code pixelflow ingest}, and the ACL list ({@code pixelflow acls}) names all three.
 */
public final class ConsumerGroups {
    public static final String INGEST_VARIABLE = "PIXELFLOW_INGEST_GROUP";
    public static final String INGEST_DEFAULT = "pixelflow-ingest";
    public static final String TRAINER_VARIABLE = "PIXELFLOW_TRAINER_GROUP";
    public static final String TRAINER_DEFAULT = "pixelflow-trainer";
    public static final String INFERENCE_VARIABLE = "PIXELFLOW_INFERENCE_GROUP";
    public static final String INFERENCE_DEFAULT = "pixelflow-inference";

    private ConsumerGroups() {
    }

    /** The ingest workers' group on {@code images.raw}. */
    public static String ingest(ConfigSource src) {
        return src.string(INGEST_VARIABLE, INGEST_DEFAULT);
    }

    /** The trainers' group on {@code training.requests}. */
    public static String trainer(ConfigSource src) {
        return src.string(TRAINER_VARIABLE, TRAINER_DEFAULT);
    }

    /** The inference workers' group on {@code classify.requests}. */
    public static String inference(ConfigSource src) {
        return src.string(INFERENCE_VARIABLE, INFERENCE_DEFAULT);
    }
}
