package dev.pixelflow.common.message;

/**
 * A shadow version's answer to one request on {@code classify.shadow}, with the production answer's label beside
 * it, so any consumer can measure agreement. It never goes to the reply topic: the client gets production's answer.
 *
 * @param version           the shadow version that computed {@code label}
 * @param productionVersion the version whose answer the client got
 */
public record ShadowAnswer(int schemaVersion, String requestId, String model, int version, String label,
                           double confidence, int productionVersion, String productionLabel, long latencyMs)
        implements Versioned {
    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<ShadowAnswer> SERDE = new JsonSerde<>(ShadowAnswer.class, "shadow answer", SCHEMA_VERSION);

    public ShadowAnswer {
        if (requestId == null || model == null || label == null || productionLabel == null) {
            throw new IllegalArgumentException("fields 'requestId', 'model', 'label' and 'productionLabel' are required");
        }
    }

    public boolean agrees() {
        return label.equals(productionLabel);
    }
}
