package dev.pixelflow.common.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One hidden layer of a {@link NetworkSpec}. A flat record so that it reads and writes as plain JSON inside
 * training requests and model metadata; fields that do not apply to a type must be 0 (numbers) or null
 * (activation, padding), so that a typo such as {@code units} on a conv layer is an error rather than silently ignored.
 *
 * @param type       what the layer does
 * @param filters    conv and residual: number of output channels
 * @param kernel     conv: square kernel side; maxpool: pool side and stride
 * @param units      dense: number of outputs
 * @param rate       dropout: fraction of activations dropped while training, in [0, 1)
 * @param activation conv and dense: {@code relu}, {@code tanh} or {@code linear}; batchnorm: optional, {@code linear}
 *                   when absent
 * @param stride     conv: step of the window (0 or absent means 1); residual: 1, or 2 to halve height and width
 * @param padding    conv: {@code valid} (absent; Keras' default, the size shrinks by kernel - 1) or {@code same} (the
 *                   size is kept, divided by the stride rounding up)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT) // {"type":"maxpool","kernel":2}, not seven zero fields
public record LayerSpec(Type type, int filters, int kernel, int units, double rate, String activation, int stride,
                        String padding) {

    /** Layer kinds; JSON uses the lower-case names. */
    public enum Type {
        @JsonProperty("conv") CONV,
        @JsonProperty("maxpool") MAXPOOL,
        @JsonProperty("flatten") FLATTEN,
        @JsonProperty("dropout") DROPOUT,
        @JsonProperty("dense") DENSE,
        /** Normalises each channel: batch statistics while training, running averages when answering. */
        @JsonProperty("batchnorm") BATCHNORM,
        /**
         * A basic residual block: two 3x3 same-padded convolutions, each followed by batch normalisation, relu after
         * the first and after the sum with the shortcut; the shortcut is the input itself, or a 1x1 convolution with
         * batch normalisation (stride 2) when the shape changes.
         */
        @JsonProperty("residual") RESIDUAL,
        /** Global average pooling: the mean of each channel over height and width; makes the network flat. */
        @JsonProperty("gap") GAP;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The valid JSON names, for error messages. */
        public static String names() {
            return Arrays.stream(values()).map(Type::label).collect(Collectors.joining(", "));
        }
    }

    public static final String RELU = "relu";
    public static final String TANH = "tanh";
    public static final String LINEAR = "linear";
    public static final String VALID = "valid";
    public static final String SAME = "same";

    public LayerSpec {
        Objects.requireNonNull(type, () -> "layer type (" + Type.names() + ")");
        if (activation != null) {
            activation = activation.trim().toLowerCase(Locale.ROOT);
        }
        if (padding != null) {
            padding = padding.trim().toLowerCase(Locale.ROOT);
        }
        if (type != Type.CONV && type != Type.RESIDUAL) {
            unused(type, "stride", stride);
        }
        if (type != Type.CONV && padding != null) {
            throw new IllegalArgumentException(type.label() + " layer does not take padding (got '" + padding + "')");
        }
        switch (type) {
            case CONV -> {
                positive(type, "filters", filters);
                positive(type, "kernel", kernel);
                unused(type, "units", units);
                unused(type, "rate", rate);
                if (stride < 0) {
                    throw new IllegalArgumentException("conv layer needs stride >= 1, got " + stride);
                }
                if (padding != null && !padding.equals(VALID) && !padding.equals(SAME)) {
                    throw new IllegalArgumentException("conv layer padding must be valid or same, got '" + padding + "'");
                }
                activation = checkActivation(type, activation);
            }
            case MAXPOOL -> {
                positive(type, "kernel", kernel);
                unused(type, "filters", filters);
                unused(type, "units", units);
                unused(type, "rate", rate);
                noActivation(type, activation);
            }
            case FLATTEN, GAP -> {
                unused(type, "filters", filters);
                unused(type, "kernel", kernel);
                unused(type, "units", units);
                unused(type, "rate", rate);
                noActivation(type, activation);
            }
            case DROPOUT -> {
                if (!(rate >= 0 && rate < 1)) {
                    throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
                }
                unused(type, "filters", filters);
                unused(type, "kernel", kernel);
                unused(type, "units", units);
                noActivation(type, activation);
            }
            case DENSE -> {
                positive(type, "units", units);
                unused(type, "filters", filters);
                unused(type, "kernel", kernel);
                unused(type, "rate", rate);
                activation = checkActivation(type, activation);
            }
            case BATCHNORM -> {
                unused(type, "filters", filters);
                unused(type, "kernel", kernel);
                unused(type, "units", units);
                unused(type, "rate", rate);
                activation = activation == null ? null : checkActivation(type, activation);
            }
            case RESIDUAL -> {
                positive(type, "filters", filters);
                unused(type, "kernel", kernel);
                unused(type, "units", units);
                unused(type, "rate", rate);
                noActivation(type, activation);
                if (stride != 0 && stride != 1 && stride != 2) {
                    throw new IllegalArgumentException("residual layer stride must be 1 or 2, got " + stride);
                }
            }
        }
    }

    /** A layer of the 0.1 vocabulary (no stride, no padding). */
    public LayerSpec(Type type, int filters, int kernel, int units, double rate, String activation) {
        this(type, filters, kernel, units, rate, activation, 0, null);
    }

    /**
     * Reads a layer as written (zero fields left out, see {@link JsonInclude}): an absent number is 0. Without this
     * the strict mapper (FAIL_ON_NULL_FOR_PRIMITIVES) refused every layer, so no request with custom layers was read.
     */
    @JsonCreator
    static LayerSpec fromJson(@JsonProperty("type") Type type, @JsonProperty("filters") Integer filters,
                              @JsonProperty("kernel") Integer kernel, @JsonProperty("units") Integer units,
                              @JsonProperty("rate") Double rate, @JsonProperty("activation") String activation,
                              @JsonProperty("stride") Integer stride, @JsonProperty("padding") String padding) {
        return new LayerSpec(type, orZero(filters), orZero(kernel), orZero(units), rate == null ? 0.0 : rate, activation,
                orZero(stride), padding);
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    public static LayerSpec conv(int filters, int kernel, String activation) {
        return new LayerSpec(Type.CONV, filters, kernel, 0, 0, activation);
    }

    /** A same-padded convolution with the given stride, e.g. a stride-2 stem that halves the image. */
    public static LayerSpec conv(int filters, int kernel, int stride, String activation) {
        return new LayerSpec(Type.CONV, filters, kernel, 0, 0, activation, stride, SAME);
    }

    public static LayerSpec maxpool(int size) {
        return new LayerSpec(Type.MAXPOOL, 0, size, 0, 0, null);
    }

    public static LayerSpec flatten() {
        return new LayerSpec(Type.FLATTEN, 0, 0, 0, 0, null);
    }

    public static LayerSpec dropout(double rate) {
        return new LayerSpec(Type.DROPOUT, 0, 0, 0, rate, null);
    }

    public static LayerSpec dense(int units, String activation) {
        return new LayerSpec(Type.DENSE, 0, 0, units, 0, activation);
    }

    /** Batch normalisation, followed by {@code activation} ({@code null} for none). */
    public static LayerSpec batchnorm(String activation) {
        return new LayerSpec(Type.BATCHNORM, 0, 0, 0, 0, activation);
    }

    public static LayerSpec residual(int filters, int stride) {
        return new LayerSpec(Type.RESIDUAL, filters, 0, 0, 0, null, stride, null);
    }

    public static LayerSpec gap() {
        return new LayerSpec(Type.GAP, 0, 0, 0, 0, null);
    }

    /** The step of a conv or residual layer's window: 1 unless set. */
    public int strideOrOne() {
        return stride == 0 ? 1 : stride;
    }

    /** True for a conv layer that keeps the size (before its stride). */
    public boolean samePadding() {
        return SAME.equals(padding);
    }

    /** Short human form, e.g. {@code conv 3x3x32 relu}, used in error messages and logs. */
    public String describe() {
        return switch (type) {
            case CONV -> "conv " + kernel + "x" + kernel + "x" + filters
                    + (strideOrOne() == 1 ? "" : " stride " + stride) + (samePadding() ? " same" : "") + " " + activation;
            case MAXPOOL -> "maxpool " + kernel;
            case FLATTEN -> "flatten";
            case DROPOUT -> "dropout " + rate;
            case DENSE -> "dense " + units + " " + activation;
            case BATCHNORM -> "batchnorm" + (activation == null ? "" : " " + activation);
            case RESIDUAL -> "residual " + filters + (strideOrOne() == 1 ? "" : " stride " + stride);
            case GAP -> "gap";
        };
    }

    private static void positive(Type type, String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(type.label() + " layer needs " + field + " >= 1, got " + value);
        }
    }

    private static void unused(Type type, String field, double value) {
        if (value != 0) {
            throw new IllegalArgumentException(type.label() + " layer does not take " + field + " (got " + value + ")");
        }
    }

    private static void noActivation(Type type, String activation) {
        if (activation != null) {
            throw new IllegalArgumentException(type.label() + " layer does not take an activation (got '" + activation + "')");
        }
    }

    private static String checkActivation(Type type, String activation) {
        if (activation == null) {
            throw new IllegalArgumentException(type.label() + " layer needs an activation: relu, tanh or linear");
        }
        if (!activation.equals(RELU) && !activation.equals(TANH) && !activation.equals(LINEAR)) {
            throw new IllegalArgumentException(type.label() + " layer activation must be relu, tanh or linear, got '"
                    + activation + "'");
        }
        return activation;
    }
}
