package dev.pixelflow.common.network;

import dev.pixelflow.common.image.ImageShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The architecture of an image classifier: what a training request asks for and what a model's metadata
 * records, so that an engine can be rebuilt from it. Plain fields so that it is plain JSON.
 *
 * <p>The output layer is implied by {@code classes}: two classes give one sigmoid unit trained with binary
 * cross-entropy (the Keras reference), more give a softmax over {@code classes} units with categorical
 * cross-entropy. Convolutions default to stride 1 and VALID padding, max-pools a stride equal to their size
 * (Keras' defaults), so the sizes shrink as {@code n - k + 1} and {@code floor(n / k)}; a same-padded or residual
 * layer of stride s gives {@code ceil(n / s)}. Batch normalisation, residual blocks and global average pooling
 * ({@code gap}) let a network end in pooling rather than a large dense layer.
 *
 * @param input   the image shape the network takes
 * @param classes number of classes, at least 2
 * @param layers  hidden layers in order: conv/maxpool/batchnorm/residual/dropout before the one flatten or gap,
 *                dense/dropout after it
 * @param seed    seed of the initial weights and of the dropout masks
 */
public record NetworkSpec(ImageShape input, int classes, List<LayerSpec> layers, long seed) {

    public static final long DEFAULT_SEED = 42L;
    /** A sanity bound: far above anything these presets need, far below what would exhaust memory silently. */
    public static final long MAX_PARAMETERS = 500_000_000L;

    private static final Map<String, BiFunction<ImageShape, Integer, List<LayerSpec>>> PRESETS = Map.of(
            "small-vgg", (shape, classes) -> List.of(
                    LayerSpec.conv(32, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.conv(64, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.conv(128, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.conv(128, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.flatten(), LayerSpec.dropout(0.5), LayerSpec.dense(512, LayerSpec.RELU)),
            "small-cnn", (shape, classes) -> List.of(
                    LayerSpec.conv(32, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.conv(64, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.flatten(), LayerSpec.dropout(0.5), LayerSpec.dense(128, LayerSpec.RELU)),
            // Photos of 64-160 px: a stride-2 stem and four stages of two basic blocks (32-64-128-256 channels),
            // global average pooling as the head, so it takes any input size its downsampling allows.
            "resnet-small", (shape, classes) -> List.of(
                    LayerSpec.conv(32, 3, 2, LayerSpec.LINEAR), LayerSpec.batchnorm(LayerSpec.RELU),
                    LayerSpec.residual(32, 1), LayerSpec.residual(32, 1),
                    LayerSpec.residual(64, 2), LayerSpec.residual(64, 1),
                    LayerSpec.residual(128, 2), LayerSpec.residual(128, 1),
                    LayerSpec.residual(256, 2), LayerSpec.residual(256, 1),
                    LayerSpec.gap()),
            // Small images, without batch normalisation: two pairs of same-padded 3x3 convolutions, dropout, a dense
            // head. 28x28: 0.87 M parameters.
            "vgg-mini", (shape, classes) -> List.of(
                    LayerSpec.conv(32, 3, 1, LayerSpec.RELU), LayerSpec.conv(32, 3, 1, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.dropout(0.25),
                    LayerSpec.conv(64, 3, 1, LayerSpec.RELU), LayerSpec.conv(64, 3, 1, LayerSpec.RELU), LayerSpec.maxpool(2),
                    LayerSpec.dropout(0.25),
                    LayerSpec.flatten(), LayerSpec.dense(256, LayerSpec.RELU), LayerSpec.dropout(0.5)),
            // 28x28 inputs (Fashion-MNIST): no stem downsampling, one block per stage at 28, 14 and 7 pixels
            // (16-32-64 channels, 78 k parameters), small enough to train for a dozen epochs in 20 minutes on 2 cores.
            "resnet-mini", (shape, classes) -> List.of(
                    LayerSpec.conv(16, 3, 1, LayerSpec.LINEAR), LayerSpec.batchnorm(LayerSpec.RELU),
                    LayerSpec.residual(16, 1), LayerSpec.residual(32, 2), LayerSpec.residual(64, 2),
                    LayerSpec.gap()));

    /** Size of the activations after a layer; {@code flat} ones have height = width = 1. */
    public record Dims(int height, int width, int channels, boolean flat) {
        public long size() {
            return (long) height * width * channels;
        }

        @Override
        public String toString() {
            return flat ? String.valueOf(channels) : height + "x" + width + "x" + channels;
        }
    }

    public NetworkSpec {
        Objects.requireNonNull(input, "input shape");
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        Objects.requireNonNull(layers, "layers");
        layers = List.copyOf(layers);
        // Walk the shapes now so a spec that cannot be built never gets as far as an engine or a Kafka topic.
        long params = walk(input, classes, layers, null);
        if (params > MAX_PARAMETERS) {
            throw new IllegalArgumentException("network has " + params + " parameters, more than the limit "
                    + MAX_PARAMETERS + "; add pooling before flatten or use a smaller input");
        }
    }

    /** A named architecture with the default seed; names are listed by {@link #presetNames()}. */
    public static NetworkSpec preset(String name, ImageShape input, int classes) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        BiFunction<ImageShape, Integer, List<LayerSpec>> preset = PRESETS.get(key);
        if (preset == null) {
            throw new IllegalArgumentException("unknown network preset '" + name + "'; valid presets: "
                    + String.join(", ", presetNames()));
        }
        try {
            return new NetworkSpec(input, classes, preset.apply(input, classes), DEFAULT_SEED);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("preset " + key + ": " + e.getMessage(), e);
        }
    }

    public static List<String> presetNames() {
        return PRESETS.keySet().stream().sorted().toList();
    }

    public NetworkSpec withSeed(long newSeed) {
        return new NetworkSpec(input, classes, layers, newSeed);
    }

    /**
     * True when the network ends in global average pooling without a flatten: no weight depends on the image size, so
     * it can train on crops smaller than the images it answers for (a recipe's {@code trainSize}).
     */
    public boolean takesAnySize() {
        boolean pooled = false;
        for (LayerSpec layer : layers) {
            if (layer.type() == LayerSpec.Type.FLATTEN) {
                return false;
            }
            pooled |= layer.type() == LayerSpec.Type.GAP;
        }
        return pooled;
    }

    /**
     * The same network fed images of {@code other}'s size: refused when the network's weights depend on the size
     * ({@link #takesAnySize()}) or when its downsampling leaves nothing of such an image.
     */
    public NetworkSpec atInput(ImageShape other) {
        Objects.requireNonNull(other, "input shape");
        if (other.equals(input)) {
            return this;
        }
        if (other.channels() != input.channels()) {
            throw new IllegalArgumentException("images of " + other + " have " + other.channels() + " channels; the "
                    + "network takes " + input.channels());
        }
        if (!takesAnySize()) {
            throw new IllegalArgumentException("this network takes only " + input + " images: its head flattens the "
                    + "image, so its weights depend on the size (a network ending in gap takes other sizes)");
        }
        return new NetworkSpec(other, classes, layers, seed);
    }

    /** True for two classes: one sigmoid output unit rather than a softmax. */
    public boolean binary() {
        return classes == 2;
    }

    /** Width of the output layer: 1 for binary, else {@code classes}. */
    public int outputUnits() {
        return binary() ? 1 : classes;
    }

    /** Activations after each hidden layer, in order (the output layer is not included). */
    public List<Dims> layerOutputs() {
        List<Dims> out = new ArrayList<>(layers.size());
        walk(input, classes, layers, out);
        return out;
    }

    /** Trainable weights and biases, output layer included. */
    public long parameterCount() {
        return walk(input, classes, layers, null);
    }

    /**
     * A generous estimate of the native memory one training step at {@code batchSize} holds: each layer's tensors
     * kept for the backward pass and their gradients, plus weights, gradients and two optimizer slots per parameter.
     * It errs high on purpose (an engine may reuse buffers): it exists to refuse a job that cannot fit before the
     * first step rather than after minutes of loading data, not to size a machine.
     */
    public long trainingBytes(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        List<Dims> outputs = layerOutputs();
        long perImage = input.length();
        for (int i = 0; i < outputs.size(); i++) {
            perImage += outputs.get(i).size() * tensorsKept(layers.get(i).type());
        }
        long activations = 2L * batchSize * perImage * Float.BYTES;
        return activations + 4L * parameterCount() * Float.BYTES;
    }

    /** Tensors of a layer's output size it leaves for the backward pass (a residual block: two convolutions, two
     * batch norms, the activation, the shortcut, the sum and its activation). */
    private static int tensorsKept(LayerSpec.Type type) {
        return switch (type) {
            case RESIDUAL -> 8;
            case CONV, BATCHNORM, DROPOUT, DENSE -> 2;
            case MAXPOOL, FLATTEN, GAP -> 1;
        };
    }

    private static long walk(ImageShape input, int classes, List<LayerSpec> layers, List<Dims> sink) {
        Dims d = new Dims(input.height(), input.width(), input.channels(), false);
        long params = 0;
        boolean flattened = false;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = Objects.requireNonNull(layers.get(i), "layer " + i);
            String where = "layer " + i + " (" + layer.describe() + ")";
            if (flattened && layer.type() != LayerSpec.Type.DROPOUT && layer.type() != LayerSpec.Type.DENSE) {
                throw new IllegalArgumentException(where + " comes after the network became flat; only dense and "
                        + "dropout layers may follow flatten or gap");
            }
            switch (layer.type()) {
                case CONV -> {
                    int k = layer.kernel();
                    int s = layer.strideOrOne();
                    if (layer.samePadding()) {
                        needAtLeast(input, where, d, s);
                        params += (long) k * k * d.channels() * layer.filters() + layer.filters();
                        d = new Dims(ceilDiv(d.height(), s), ceilDiv(d.width(), s), layer.filters(), false);
                    } else {
                        needAtLeast(input, where, d, k);
                        params += (long) k * k * d.channels() * layer.filters() + layer.filters();
                        d = new Dims((d.height() - k) / s + 1, (d.width() - k) / s + 1, layer.filters(), false);
                    }
                }
                case MAXPOOL -> {
                    int k = layer.kernel();
                    needAtLeast(input, where, d, k);
                    d = new Dims(d.height() / k, d.width() / k, d.channels(), false);
                }
                case BATCHNORM -> params += 2L * d.channels(); // scale and shift; running statistics are not trained
                case RESIDUAL -> {
                    int s = layer.strideOrOne();
                    int f = layer.filters();
                    needAtLeast(input, where, d, s);
                    params += 9L * d.channels() * f + 2L * f + 9L * f * f + 2L * f;
                    if (projects(layer, d.channels())) {
                        params += (long) d.channels() * f + 2L * f;
                    }
                    d = new Dims(ceilDiv(d.height(), s), ceilDiv(d.width(), s), f, false);
                }
                case FLATTEN, GAP -> {
                    flattened = true;
                    long size = layer.type() == LayerSpec.Type.GAP ? d.channels() : d.size();
                    if (size > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException(where + " would have " + size + " values; add pooling");
                    }
                    d = new Dims(1, 1, (int) size, true);
                }
                case DROPOUT -> { /* shape unchanged */ }
                case DENSE -> {
                    if (!flattened) {
                        throw new IllegalArgumentException(where + " needs a flatten or gap layer before it");
                    }
                    params += d.size() * layer.units() + layer.units();
                    d = new Dims(1, 1, layer.units(), true);
                }
            }
            if (sink != null) {
                sink.add(d);
            }
        }
        if (!flattened) {
            throw new IllegalArgumentException("layers must contain a flatten or gap layer before the output layer");
        }
        int outputs = classes == 2 ? 1 : classes;
        return params + d.size() * outputs + outputs;
    }

    /** True when a residual block's shortcut needs a 1x1 convolution: it changes the size or the channel count. */
    public static boolean projects(LayerSpec residual, int inputChannels) {
        return residual.strideOrOne() != 1 || inputChannels != residual.filters();
    }

    private static void needAtLeast(ImageShape input, String where, Dims d, int window) {
        if (d.height() < window || d.width() < window) {
            throw new IllegalArgumentException("input " + input + " is too small: " + where + " gets " + d
                    + ", smaller than its " + window + "x" + window + " window; use a larger input or fewer layers");
        }
    }

    private static int ceilDiv(int n, int d) {
        return (n + d - 1) / d;
    }
}
