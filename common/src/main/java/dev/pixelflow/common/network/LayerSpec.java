package dev.pixelflow.common.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;
import java.util.Objects;

/**
 * One hidden layer of a {@link NetworkSpec}. A flat record so that it reads and writes as plain JSON inside
 * training requests and model metadata; fields that do not apply to a type must be 0 (numbers) or null
 * (activation), so that a typo such as {@code units} on a conv layer is an error rather than silently ignored.
 *
 * @param type       what the layer does
 * @param filters    conv: number of output channels
 * @param kernel     conv: square kernel side (stride 1, VALID padding); maxpool: pool side and stride
 * @param units      dense: number of outputs
 * @param rate       dropout: fraction of activations dropped while training, in [0, 1)
 * @param activation conv and dense: {@code relu}, {@code tanh} or {@code linear}
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT) // {"type":"maxpool","kernel":2}, not five zero fields
public record LayerSpec(Type type, int filters, int kernel, int units, double rate, String activation) {

    /** Layer kinds; JSON uses the lower-case names. */
    public enum Type {
        @JsonProperty("conv") CONV,
        @JsonProperty("maxpool") MAXPOOL,
        @JsonProperty("flatten") FLATTEN,
        @JsonProperty("dropout") DROPOUT,
        @JsonProperty("dense") DENSE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String RELU = "relu";
    public static final String TANH = "tanh";
    public static final String LINEAR = "linear";

    public LayerSpec {
        Objects.requireNonNull(type, "layer type (conv|maxpool|flatten|dropout|dense)");
        if (activation != null) {
            activation = activation.trim().toLowerCase(Locale.ROOT);
        }
        switch (type) {
            case CONV -> {
                positive(type, "filters", filters);
                positive(type, "kernel", kernel);
                unused(type, "units", units);
                unused(type, "rate", rate);
                activation = checkActivation(type, activation);
            }
            case MAXPOOL -> {
                positive(type, "kernel", kernel);
                unused(type, "filters", filters);
                unused(type, "units", units);
                unused(type, "rate", rate);
                noActivation(type, activation);
            }
            case FLATTEN -> {
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
        }
    }

    /**
     * Reads a layer as written (zero fields left out, see {@link JsonInclude}): an absent number is 0. Without this
     * the strict mapper (FAIL_ON_NULL_FOR_PRIMITIVES) refused every layer, so no request with custom layers was read.
     */
    @JsonCreator
    static LayerSpec fromJson(@JsonProperty("type") Type type, @JsonProperty("filters") Integer filters,
                              @JsonProperty("kernel") Integer kernel, @JsonProperty("units") Integer units,
                              @JsonProperty("rate") Double rate, @JsonProperty("activation") String activation) {
        return new LayerSpec(type, filters == null ? 0 : filters, kernel == null ? 0 : kernel, units == null ? 0 : units,
                rate == null ? 0.0 : rate, activation);
    }

    public static LayerSpec conv(int filters, int kernel, String activation) {
        return new LayerSpec(Type.CONV, filters, kernel, 0, 0, activation);
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

    /** Short human form, e.g. {@code conv 3x3x32 relu}, used in error messages and logs. */
    public String describe() {
        return switch (type) {
            case CONV -> "conv " + kernel + "x" + kernel + "x" + filters + " " + activation;
            case MAXPOOL -> "maxpool " + kernel;
            case FLATTEN -> "flatten";
            case DROPOUT -> "dropout " + rate;
            case DENSE -> "dense " + units + " " + activation;
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
