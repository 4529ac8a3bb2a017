package dev.pixelflow.common.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;
import java.util.Objects;

/**
 * How the learning rate moves over a training run, as a pure function of the position in the run measured in epochs
 * (fractional within an epoch). Being a function of the position only, a job resumed after epoch k continues with
 * exactly the rates an uninterrupted run would have used.
 *
 * @param kind         {@code constant}, {@code cosine} (linear warm-up, then half a cosine down to 0 at the last
 *                     step) or {@code step} (linear warm-up, then multiplied by {@code stepFactor} every
 *                     {@code stepEpochs} epochs)
 * @param warmupEpochs epochs of linear warm-up from 0 to the base rate; 0 for none
 * @param stepEpochs   step: epochs between drops
 * @param stepFactor   step: the factor of each drop, in (0, 1)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record LrSchedule(String kind, double warmupEpochs, int stepEpochs, double stepFactor) {
    public static final String CONSTANT = "constant";
    public static final String COSINE = "cosine";
    public static final String STEP = "step";

    public LrSchedule {
        Objects.requireNonNull(kind, "schedule kind (constant|cosine|step)");
        kind = kind.trim().toLowerCase(Locale.ROOT);
        if (!(warmupEpochs >= 0 && warmupEpochs <= 1000)) {
            throw new IllegalArgumentException("warm-up must be 0..1000 epochs, got " + warmupEpochs);
        }
        switch (kind) {
            case CONSTANT, COSINE -> {
                if (stepEpochs != 0 || stepFactor != 0) {
                    throw new IllegalArgumentException(kind + " schedule takes no stepEpochs/stepFactor");
                }
            }
            case STEP -> {
                if (stepEpochs < 1 || !(stepFactor > 0 && stepFactor < 1)) {
                    throw new IllegalArgumentException("step schedule needs stepEpochs >= 1 and stepFactor in (0, 1), got "
                            + stepEpochs + " and " + stepFactor);
                }
            }
            default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + kind
                    + "'; valid: constant, cosine, step");
        }
    }

    @JsonCreator
    static LrSchedule fromJson(@JsonProperty("kind") String kind, @JsonProperty("warmupEpochs") Double warmupEpochs,
                               @JsonProperty("stepEpochs") Integer stepEpochs,
                               @JsonProperty("stepFactor") Double stepFactor) {
        return new LrSchedule(kind, warmupEpochs == null ? 0 : warmupEpochs, stepEpochs == null ? 0 : stepEpochs,
                stepFactor == null ? 0 : stepFactor);
    }

    public static LrSchedule constant() {
        return new LrSchedule(CONSTANT, 0, 0, 0);
    }

    public static LrSchedule cosine(double warmupEpochs) {
        return new LrSchedule(COSINE, warmupEpochs, 0, 0);
    }

    public static LrSchedule step(double warmupEpochs, int stepEpochs, double stepFactor) {
        return new LrSchedule(STEP, warmupEpochs, stepEpochs, stepFactor);
    }

    @JsonIgnore
    public boolean isConstant() {
        return kind.equals(CONSTANT) && warmupEpochs == 0;
    }

    /**
     * The rate at {@code position} epochs into a run of {@code totalEpochs} (0 at the first step; the step of batch b
     * of B in epoch e, counted from 0, is at {@code e + b / B}).
     */
    public double rate(double baseRate, double position, int totalEpochs) {
        if (warmupEpochs > 0 && position < warmupEpochs) {
            // The first step already moves: (b + 1) / B of the way, as PyTorch's LinearLR starting above zero does.
            return baseRate * Math.min(1.0, (position + 1.0 / 1024) / warmupEpochs);
        }
        return switch (kind) {
            case COSINE -> {
                double span = Math.max(1e-9, totalEpochs - warmupEpochs);
                double t = Math.min(1.0, (position - warmupEpochs) / span);
                yield baseRate * 0.5 * (1 + Math.cos(Math.PI * t));
            }
            case STEP -> baseRate * Math.pow(stepFactor, Math.floor((position - warmupEpochs) / stepEpochs));
            default -> baseRate;
        };
    }

    /** Short human form, e.g. {@code cosine, 3 warm-up epochs}. */
    public String describe() {
        String warm = warmupEpochs == 0 ? "" : ", " + fmt(warmupEpochs) + " warm-up epochs";
        return switch (kind) {
            case STEP -> "step x" + stepFactor + " every " + stepEpochs + " epochs" + warm;
            default -> kind + warm;
        };
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
