package dev.pixelflow.common.message;

import java.util.Map;

/**
 * The one answer to one request on {@code classify.requests}. Either {@code label} (with confidence and
 * per-class scores) or {@code error} is set, never both.
 *
 * @param error   short code when the image could not be classified: {@code expired}, {@code no-model},
 *                {@code unknown-model-version}, or an image error code such as {@code corrupt}
 * @param detail  a human sentence explaining the error
 * @param latencyMs time from the request's timestamp to the answer: queue plus compute
 * @param route   how the request reached {@code model:version}: {@code production}, {@code canary} or {@code pinned}
 *                (null when no model was chosen). Added within schema version 1: a reader that does not know it
 *                ignores it, and an answer from an older worker has none.
 */
public record ClassifyResult(int schemaVersion, String requestId, String correlationId, String label, Double confidence,
                             Map<String, Double> scores, String model, Integer version, Long latencyMs, String error,
                             String detail, String route) implements Versioned {
    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<ClassifyResult> SERDE = new JsonSerde<>(ClassifyResult.class, "classify result", SCHEMA_VERSION);

    public ClassifyResult {
        if (requestId == null || requestId.isEmpty()) {
            throw new IllegalArgumentException("field 'requestId' is required");
        }
        if ((label == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of 'label' and 'error' must be set");
        }
        scores = scores == null ? null : Map.copyOf(scores);
    }

    /** The routes an answer names. */
    public static final String PRODUCTION = "production";
    public static final String CANARY = "canary";
    public static final String PINNED = "pinned";

    public static ClassifyResult answer(String requestId, String correlationId, String label, double confidence,
                                        Map<String, Double> scores, String model, int version, long latencyMs, String route) {
        return new ClassifyResult(SCHEMA_VERSION, requestId, correlationId, label, confidence, scores, model, version,
                latencyMs, null, null, route);
    }

    public static ClassifyResult failure(String requestId, String correlationId, String error, String detail,
                                         String model, Integer version, long latencyMs, String route) {
        return new ClassifyResult(SCHEMA_VERSION, requestId, correlationId, null, null, null, model, version, latencyMs,
                error, detail, route);
    }

    public boolean ok() {
        return error == null;
    }
}
