package dev.pixelflow.common.message;

import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import java.time.Instant;
import java.util.List;

/**
 * A request on {@code training.requests} to train one model version from the {@code tensors} topic.
 *
 * @param preset       network preset ({@code small-vgg}, {@code small-cnn}); ignored when {@code layers} is given
 * @param layers       explicit layer list, or null for the preset's
 * @param classes      class names in output order, or null to take them from the data (label indices when every
 *                     record has one, else sorted names)
 * @param augmentation training-time augmentation; {@link AugmentSettings#none()} for none
 * @param warmStart    {@code NAME:VERSION} to continue from, with its optimizer state, or null
 * @param publish      intermediate versions (every K epochs, on best validation accuracy); null for the final one only
 * @param tta          whether the versions answer with test-time augmentation (the mean of the image's and its mirror
 *                     image's probabilities) unless a request says otherwise; absent (false) in 0.1 requests
 * @param trainSize    the size of the crops the network trains on, smaller than {@code inputShape}, or null to train
 *                     on whole images; validation and serving always feed whole images of {@code inputShape}, so a
 *                     version's manifest (which records this request) says both sizes. Only a network ending in
 *                     global pooling can do this.
 * @param trainSizeFrom the size of the first epoch's training crops, smaller than {@link #trainingShape()}, or null to
 *                     train every epoch at that size. The crops then grow in steps of 8 pixels to
 *                     {@link #trainingShape()} by three quarters of the epochs and stay there (progressive resizing:
 *                     the first epochs, which learn coarse features, cost a fraction of the later ones).
 */
public record TrainingRequest(int schemaVersion, String jobId, String model, String preset, List<LayerSpec> layers,
                              ImageShape inputShape, List<String> classes, OptimizerSpec optimizer, int batchSize,
                              int epochs, AugmentSettings augmentation, long seed, String warmStart,
                              Instant requestedAt, PublishPolicy publish, Boolean tta, ImageShape trainSize,
                              ImageShape trainSizeFrom)
        implements Versioned {
    /** Crops grow in steps of this many pixels: few distinct sizes, each a multiple of 8 when the ends are. */
    private static final int GROWTH_STEP = 8;

    public static final int SCHEMA_VERSION = 1;
    public static final JsonSerde<TrainingRequest> SERDE = new JsonSerde<>(TrainingRequest.class, "training request", SCHEMA_VERSION);

    public TrainingRequest {
        if (jobId == null || jobId.isBlank()) {
            throw new IllegalArgumentException("field 'jobId' is required");
        }
        if (model == null || model.isBlank() || model.contains(":") || model.contains("/")) {
            throw new IllegalArgumentException("field 'model' is required and must not contain ':' or '/'");
        }
        if (inputShape == null) {
            throw new IllegalArgumentException("field 'inputShape' is required (HxWxC)");
        }
        if (batchSize < 1 || batchSize > 4096 || epochs < 1 || epochs > 10_000) {
            throw new IllegalArgumentException("fields 'batchSize' (1..4096) and 'epochs' (1..10000) out of range");
        }
        if ((preset == null || preset.isBlank()) && (layers == null || layers.isEmpty())) {
            throw new IllegalArgumentException("one of 'preset' and 'layers' is required");
        }
        if (classes != null && classes.size() < 2) {
            throw new IllegalArgumentException("field 'classes' needs at least two names when given");
        }
        layers = layers == null ? null : List.copyOf(layers);
        classes = classes == null ? null : List.copyOf(classes);
        optimizer = optimizer == null ? OptimizerSpec.defaults() : optimizer;
        augmentation = augmentation == null ? AugmentSettings.none() : augmentation;
        publish = publish == null ? PublishPolicy.finalOnly() : publish;
        tta = tta != null && tta;
        if (trainSize != null && trainSize.equals(inputShape)) {
            trainSize = null;
        }
        if (trainSize != null && !fitsInside(trainSize, inputShape)) {
            throw new IllegalArgumentException("field 'trainSize' (" + trainSize + ") must fit inside 'inputShape' ("
                    + inputShape + ") with the same channels: the network trains on crops of the stored images");
        }
        ImageShape last = trainSize != null ? trainSize : inputShape;
        if (trainSizeFrom != null && trainSizeFrom.equals(last)) {
            trainSizeFrom = null;
        }
        if (trainSizeFrom != null && !fitsInside(trainSizeFrom, last)) {
            throw new IllegalArgumentException("field 'trainSizeFrom' (" + trainSizeFrom + ") must fit inside the size "
                    + "the crops grow to (" + last + ") with the same channels");
        }
    }

    private static boolean fitsInside(ImageShape inner, ImageShape outer) {
        return inner.channels() == outer.channels() && inner.height() <= outer.height() && inner.width() <= outer.width();
    }

    /** A request that trains every epoch at one size. */
    public TrainingRequest(int schemaVersion, String jobId, String model, String preset, List<LayerSpec> layers,
                           ImageShape inputShape, List<String> classes, OptimizerSpec optimizer, int batchSize, int epochs,
                           AugmentSettings augmentation, long seed, String warmStart, Instant requestedAt,
                           PublishPolicy publish, Boolean tta, ImageShape trainSize) {
        this(schemaVersion, jobId, model, preset, layers, inputShape, classes, optimizer, batchSize, epochs, augmentation,
                seed, warmStart, requestedAt, publish, tta, trainSize, null);
    }

    /** A request that trains on whole images. */
    public TrainingRequest(int schemaVersion, String jobId, String model, String preset, List<LayerSpec> layers,
                           ImageShape inputShape, List<String> classes, OptimizerSpec optimizer, int batchSize, int epochs,
                           AugmentSettings augmentation, long seed, String warmStart, Instant requestedAt,
                           PublishPolicy publish, Boolean tta) {
        this(schemaVersion, jobId, model, preset, layers, inputShape, classes, optimizer, batchSize, epochs, augmentation,
                seed, warmStart, requestedAt, publish, tta, null, null);
    }

    /** The size of the images the network trains on (the last epochs', when they grow): {@code trainSize}, or the whole stored image. */
    public ImageShape trainingShape() {
        return trainSize != null ? trainSize : inputShape;
    }

    /**
     * The size of the training images in one epoch (1-based): {@link #trainingShape()}, or with {@code trainSizeFrom}
     * that size at the first epoch, growing linearly in steps of 8 pixels to {@link #trainingShape()} at three quarters
     * of the epochs. A function of the epoch alone, so a resumed job trains each epoch at the size it would have.
     */
    public ImageShape trainingShapeAt(int epoch) {
        ImageShape last = trainingShape();
        if (trainSizeFrom == null) {
            return last;
        }
        int rampEpochs = (int) Math.round(epochs * 0.75);
        double progress = rampEpochs <= 1 ? 1.0 : Math.min(1.0, Math.max(0, epoch - 1) / (double) (rampEpochs - 1));
        if (progress >= 1.0) {
            return last;
        }
        return new ImageShape(grown(trainSizeFrom.height(), last.height(), progress),
                grown(trainSizeFrom.width(), last.width(), progress), last.channels());
    }

    private static int grown(int from, int to, double progress) {
        return from + (int) Math.floor((to - from) * progress / GROWTH_STEP) * GROWTH_STEP;
    }

    /** A request without test-time augmentation. */
    public TrainingRequest(int schemaVersion, String jobId, String model, String preset, List<LayerSpec> layers,
                           ImageShape inputShape, List<String> classes, OptimizerSpec optimizer, int batchSize, int epochs,
                           AugmentSettings augmentation, long seed, String warmStart, Instant requestedAt,
                           PublishPolicy publish) {
        this(schemaVersion, jobId, model, preset, layers, inputShape, classes, optimizer, batchSize, epochs, augmentation,
                seed, warmStart, requestedAt, publish, false);
    }

    /** A request that publishes only its final version. */
    public TrainingRequest(int schemaVersion, String jobId, String model, String preset, List<LayerSpec> layers,
                           ImageShape inputShape, List<String> classes, OptimizerSpec optimizer, int batchSize, int epochs,
                           AugmentSettings augmentation, long seed, String warmStart, Instant requestedAt) {
        this(schemaVersion, jobId, model, preset, layers, inputShape, classes, optimizer, batchSize, epochs, augmentation,
                seed, warmStart, requestedAt, null, false);
    }

    /** The network this request asks for, for a given number of classes. */
    public NetworkSpec network(int classCount) {
        NetworkSpec base = layers != null && !layers.isEmpty()
                ? new NetworkSpec(inputShape, classCount, layers, seed)
                : NetworkSpec.preset(preset, inputShape, classCount);
        return base.withSeed(seed);
    }
}
