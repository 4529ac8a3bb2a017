package dev.pixelflow.common.config;

/** Consumer groups that a worker other than their own needs to know by name, read in one place. */
public final class ConsumerGroups {
    public static final String INGEST_VARIABLE = "PIXELFLOW_INGEST_GROUP";
    public static final String INGEST_DEFAULT = "pixelflow-ingest";

    private ConsumerGroups() {
    }

    /** The ingest workers' group on {@code images.raw}. */
    public static String ingest(ConfigSource src) {
        return src.string(INGEST_VARIABLE, INGEST_DEFAULT);
    }
}
