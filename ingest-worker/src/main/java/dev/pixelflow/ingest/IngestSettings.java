package dev.pixelflow.ingest;

import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImageShape;

/**
 * The ingest worker's own settings, with their defaults in one place.
 *
 * @param defaultShape       size for records without a {@code target-size} header
 * @param validationFraction share of images (by content hash) in the validation split
 * @param decodeThreads      decoding is CPU work: as many threads as cores by default
 * @param requireLabel       unlabelled images are dead-lettered (training needs labels)
 * @param groupId            consumer group; several workers in one group split the partitions
 * @param maxPollRecords     images per poll, and so per transaction
 */
public record IngestSettings(ImageShape defaultShape, double validationFraction, int decodeThreads, boolean requireLabel,
                             String groupId, int maxPollRecords, ImageLimits limits) {

    public static IngestSettings from(ConfigSource src) {
        ImageLimits defaults = ImageLimits.defaults();
        return new IngestSettings(
                src.shape("PIXELFLOW_IMAGE_SIZE", new ImageShape(150, 150, 3)),
                src.doubleIn("PIXELFLOW_VALIDATION_FRACTION", 0.2, 0.0, 0.9),
                src.intIn("PIXELFLOW_DECODE_THREADS", Runtime.getRuntime().availableProcessors(), 1, 256),
                src.bool("PIXELFLOW_REQUIRE_LABEL", true),
                ConsumerGroups.ingest(src),
                src.intIn("PIXELFLOW_INGEST_BATCH", 256, 1, 10_000),
                new ImageLimits(src.intIn("PIXELFLOW_MAX_IMAGE_BYTES", defaults.maxEncodedBytes(), 1, Integer.MAX_VALUE),
                        src.longIn("PIXELFLOW_MAX_IMAGE_PIXELS", defaults.maxPixels(), 1, 1L << 40)));
    }
}
