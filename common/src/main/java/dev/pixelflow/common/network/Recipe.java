package dev.pixelflow.common.network;

import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A whole training configuration under one name, so that a published result can be rerun with one flag
 * ({@code bin/pixelflow train --recipe NAME}); flags given after it override its fields. The figures each recipe
 * reached, with the machine and the command, are in docs/training.md.
 *
 * @param name         the flag value
 * @param summary      one line on what it is for
 * @param preset       network preset ({@link NetworkSpec#presetNames()})
 * @param input        the size the data must be ingested at, which validation and serving feed the network
 * @param trainSize    the size of the crops the network trains on when smaller than {@code input} (a network ending in
 *                     global pooling), or null to train on whole images
 * @param trainSizeFrom the size the training crops start at and grow from to {@code trainSize} (progressive resizing,
 *                     see {@link dev.pixelflow.common.message.TrainingRequest#trainingShapeAt}), or null
 * @param optimizer    optimizer, learning rate, weight decay, label smoothing and schedule
 * @param batchSize    images per step
 * @param epochs       passes over the training split
 * @param augmentation training-time augmentation
 * @param tta          whether served answers average the image and its mirror image (test-time augmentation)
 */
public record Recipe(String name, String summary, String preset, ImageShape input, ImageShape trainSize,
                     ImageShape trainSizeFrom, OptimizerSpec optimizer, int batchSize, int epochs, AugmentSettings augmentation, boolean tta) {

    private static final Map<String, Recipe> RECIPES = new LinkedHashMap<>();

    static {
        add(new Recipe("tutorial", "the Keras tutorial's recipe for Dogs vs. Cats, exactly (about 81%)",
                "small-vgg", new ImageShape(150, 150, 3), null, null, OptimizerSpec.defaults(), 32, 64,
                AugmentSettings.defaults(), false));
        // Trains on crops of 128-px images and answers on the whole 128-px image: the crops show objects larger than
        // they are in the whole image, and answering at a larger size makes up for it (and the steps cost what the
        // crops cost). The crops start at 72 px and grow to 112 by three quarters of the run: 75 epochs fit the hour
        // on the development machine since the engine trains batch norm and convolutions as oneDNN's own primitives.
        // Weight decay 5e-3 decoupled is PyTorch's 5e-4 for SGD: PyTorch adds the decay to the gradient, and momentum
        // 0.9 multiplies it by 1 / (1 - 0.9) in the steady state.
        add(new Recipe("photos-1h", "a few thousand photos of two or more classes, about 1 hour of training on 2 cores",
                "resnet-small", new ImageShape(128, 128, 3), new ImageShape(112, 112, 3), new ImageShape(72, 72, 3),
                sgd(0.1, 5e-3, 0.1, 3), 64, 75, AugmentSettings.photos(), true));
        // The same for 100 epochs: 2 h 49 min of training with the engine before its oneDNN training ops (93.2%).
        add(new Recipe("photos-3h", "the same for 100 epochs, within 3 hours of training on 2 cores",
                "resnet-small", new ImageShape(128, 128, 3), new ImageShape(112, 112, 3), new ImageShape(72, 72, 3),
                sgd(0.1, 5e-3, 0.1, 3), 64, 100, AugmentSettings.photos(), true));
        add(new Recipe("fashion-mnist", "Fashion-MNIST (28x28x1, 10 classes), within 20 minutes on 2 cores",
                "vgg-mini", new ImageShape(28, 28, 1), null, null, OptimizerSpec.of(OptimizerSpec.ADAM)
                .withSchedule(LrSchedule.cosine(1)), 128, 20, AugmentSettings.none(), false));
    }

    public Recipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(augmentation, "augmentation");
        if (batchSize < 1 || epochs < 1) {
            throw new IllegalArgumentException("recipe " + name + " needs batch and epochs >= 1");
        }
        if (tta && !augmentation.horizontalFlip()) {
            throw new IllegalArgumentException("recipe " + name + " answers with flip TTA but never trains on mirrored images");
        }
        NetworkSpec network = NetworkSpec.preset(preset, input, 2); // the preset exists and takes this input
        if (trainSize != null) {
            network.atInput(trainSize); // ... and crops of this size
            if (trainSize.height() > input.height() || trainSize.width() > input.width()) {
                throw new IllegalArgumentException("recipe " + name + " trains on " + trainSize + " crops of "
                        + input + " images: the crops must be smaller");
            }
        }
        if (trainSizeFrom != null) {
            ImageShape last = trainSize != null ? trainSize : input;
            network.atInput(trainSizeFrom);
            if (trainSizeFrom.height() > last.height() || trainSizeFrom.width() > last.width()) {
                throw new IllegalArgumentException("recipe " + name + " grows its crops from " + trainSizeFrom + " to "
                        + last + ": they must start smaller");
            }
        }
    }

    private static OptimizerSpec sgd(double rate, double weightDecay, double labelSmoothing, double warmupEpochs) {
        return OptimizerSpec.of(OptimizerSpec.SGD).withLearningRate(rate).withWeightDecay(weightDecay)
                .withLabelSmoothing(labelSmoothing).withSchedule(LrSchedule.cosine(warmupEpochs));
    }

    private static void add(Recipe recipe) {
        RECIPES.put(recipe.name(), recipe);
    }

    /** The recipe of that name; an unknown name is refused with the list of valid ones. */
    public static Recipe named(String name) {
        Recipe recipe = name == null ? null : RECIPES.get(name.trim().toLowerCase(Locale.ROOT));
        if (recipe == null) {
            throw new IllegalArgumentException("unknown recipe '" + name + "'; valid recipes: "
                    + String.join(", ", RECIPES.keySet()) + " (or 'list')");
        }
        return recipe;
    }

    public static List<Recipe> all() {
        return List.copyOf(RECIPES.values());
    }

    /** One line: name, input size and what it sets, as {@code train --recipe list} prints it. */
    public String describe() {
        return String.format(Locale.ROOT, "%-14s %-11s %s%s, %s, batch %d, %d epochs, augmentation %s%s — %s",
                name, input, preset, crops(input, trainSize, trainSizeFrom), optimizer.describe(),
                batchSize, epochs, describe(augmentation), tta ? ", flip TTA" : "", summary);
    }

    /**
     * " trained on 96x96x3 crops", " trained on crops growing from 64x64x3 to 96x96x3", or "" for whole images: the words
     * {@code train --recipe list} and {@code train} use for a recipe's or a request's training sizes.
     */
    public static String crops(ImageShape input, ImageShape trainSize, ImageShape trainSizeFrom) {
        if (trainSizeFrom != null) {
            return " trained on crops growing from " + trainSizeFrom + " to " + (trainSize != null ? trainSize : input);
        }
        return trainSize == null ? "" : " trained on " + trainSize + " crops";
    }

    private static String describe(AugmentSettings a) {
        if (a.isIdentity()) {
            return "none";
        }
        if (a.equals(AugmentSettings.defaults())) {
            return "keras";
        }
        if (a.equals(AugmentSettings.photos())) {
            return "photos (crop 0.6-1, flip, ±10°, colour 0.2)";
        }
        if (a.equals(AugmentSettings.shiftAndFlip())) {
            return "shift 10% + flip";
        }
        return a.toString();
    }
}
