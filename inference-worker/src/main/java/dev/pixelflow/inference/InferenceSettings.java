package dev.pixelflow.inference;

import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.imaging.ThreadNice;
import java.time.Duration;
import dev.pixelflow.imaging.ThreadNice;

/**
 * The inference worker's own settings, with their defaults in one place.
 *
 * @param groupId        consumer group of {@code classify.requests}; workers in one group share its partitions
 * @param decodeThreads  decoding is CPU work: as many threads as cores by default
 * @param decodeNice     nice value of the decode threads, so that they fill the engine's idle gaps instead of
 *                       pre-empting its threads mid-op (0: compete on equal terms)
 * @param batchSize      images per engine call; larger batches use the cores better, smaller answer sooner
 * @param maxPollRecords requests per poll, and so per transaction
 * @param defaultModel   model for requests that name none; null means the most recently published one
 * @param requireModel   /health reports DOWN while no model is loaded (for orchestrators that route traffic)
 * @param pinnedModels   engines of pinned, non-current versions kept loaded (least recently used goes first)
 * @param limits         encoded size and pixel bounds for request images
 */
public record InferenceSettings(String groupId, int decodeThreads, int decodeNice, int batchSize, int maxPollRecords, ModelRef defaultModel,
                                boolean requireModel, int pinnedModels, ImageLimits limits) {

    public InferenceSettings {
        if (groupId == null || groupId.isBlank()) {
            throw new ConfigException("PIXELFLOW_INFERENCE_GROUP must not be blank");
        }
    }

    public static InferenceSettings from(ConfigSource src) {
        ImageLimits defaults = ImageLimits.defaults();
        ModelRef model = null;
        String modelText = src.optional("PIXELFLOW_MODEL").orElse(null);
        if (modelText != null) {
            try {
                model = ModelRef.parse(modelText);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("PIXELFLOW_MODEL: " + e.getMessage());
            }
        }
        return new InferenceSettings(
                ConsumerGroups.inference(src),
                src.intIn("PIXELFLOW_DECODE_THREADS", Runtime.getRuntime().availableProcessors(), 1, 256),
                src.intIn("PIXELFLOW_DECODE_NICE", ThreadNice.MAX, 0, ThreadNice.MAX),
                src.intIn("PIXELFLOW_BATCH_SIZE", 32, 1, 4096),
                src.intIn("PIXELFLOW_INFERENCE_MAX_POLL", 256, 1, 10_000),
                model,
                src.bool("PIXELFLOW_REQUIRE_MODEL", false),
                src.intIn("PIXELFLOW_PINNED_MODELS", 3, 1, 100),
                new ImageLimits(src.intIn("PIXELFLOW_MAX_IMAGE_BYTES", defaults.maxEncodedBytes(), 1, Integer.MAX_VALUE),
                        src.longIn("PIXELFLOW_MAX_IMAGE_PIXELS", defaults.maxPixels(), 1, 1L << 40)));
    }
}
