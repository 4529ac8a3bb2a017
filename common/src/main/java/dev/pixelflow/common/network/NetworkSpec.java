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
 * cross-entropy. Convolutions use stride 1 and VALID padding, max-pools a stride equal to their size
 * (Keras' defaults), so the sizes shrink as {@code n - k + 1} and {@code floor(n / k)}.
 *
 * @param input   the image shape the network takes
 * @param classes number of classes, at least 2
 * @param layers  hidden layers in order: conv/maxpool/dropout before the one flatten, dense/dropout after it
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
                    LayerSpec.flatten(), LayerSpec.dropout(0.5), LayerSpec.dense(128, LayerSpec.RELU)));

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

    private static long walk(ImageShape input, int classes, List<LayerSpec> layers, List<Dims> sink) {
        Dims d = new Dims(input.height(), input.width(), input.channels(), false);
        long params = 0;
        boolean flattened = false;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = Objects.requireNonNull(layers.get(i), "layer " + i);
            String where = "layer " + i + " (" + layer.describe() + ")";
            switch (layer.type()) {
                case CONV, MAXPOOL -> {
                    if (flattened) {
                        throw new IllegalArgumentException(where + " comes after flatten; conv and maxpool need an image");
                    }
                    int k = layer.kernel();
                    if (d.height() < k || d.width() < k) {
                        throw new IllegalArgumentException("input " + input + " is too small: " + where + " gets "
                                + d + ", smaller than its " + k + "x" + k + " window; use a larger input or fewer layers");
                    }
                    if (layer.type() == LayerSpec.Type.CONV) {
                        params += (long) k * k * d.channels() * layer.filters() + layer.filters();
                        d = new Dims(d.height() - k + 1, d.width() - k + 1, layer.filters(), false);
                    } else {
                        d = new Dims(d.height() / k, d.width() / k, d.channels(), false);
                    }
                }
                case FLATTEN -> {
                    if (flattened) {
                        throw new IllegalArgumentException(where + ": the network is already flat");
                    }
                    flattened = true;
                    long size = d.size();
                    if (size > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException(where + " would have " + size + " values; add pooling");
                    }
                    d = new Dims(1, 1, (int) size, true);
                }
                case DROPOUT -> { /* shape unchanged */ }
                case DENSE -> {
                    if (!flattened) {
                        throw new IllegalArgumentException(where + " needs a flatten layer before it");
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
            throw new IllegalArgumentException("layers must contain a flatten layer before the output layer");
        }
        int outputs = classes == 2 ? 1 : classes;
        return params + d.size() * outputs + outputs;
    }
}
