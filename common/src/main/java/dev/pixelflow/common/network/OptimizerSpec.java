package dev.pixelflow.common.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The weight-update rule of a training run. Hyper-parameters other than the learning rate follow Keras'
 * defaults (RMSprop rho 0.9, Adam betas 0.9/0.999, epsilon 1e-7) so results compare with the reference.
 * Fields beyond name and rate are absent from JSON at their defaults, so a 0.1 request or manifest reads and writes
 * exactly as it did.
 *
 * @param name           {@code rmsprop}, {@code adam}, {@code adamw} (Adam with decoupled weight decay) or {@code sgd}
 *                       (with Nesterov momentum)
 * @param learningRate   base step size, &gt; 0; the schedule scales it
 * @param momentum       sgd: Nesterov momentum in [0, 1) (0.9 when absent); others: must be absent
 * @param weightDecay    decoupled weight decay per step, {@code w -= rate * weightDecay * w}, on convolution and
 *                       dense weights only (never on biases or batch-norm scales and shifts); 0 for none
 * @param labelSmoothing training targets moved towards uniform by this much, in [0, 0.5); 0 for none
 * @param schedule       how the rate moves over the run; constant when absent
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record OptimizerSpec(String name, double learningRate, double momentum, double weightDecay,
                            double labelSmoothing, LrSchedule schedule) {
    public static final String RMSPROP = "rmsprop";
    public static final String ADAM = "adam";
    public static final String ADAMW = "adamw";
    public static final String SGD = "sgd";
    public static final List<String> NAMES = List.of(RMSPROP, ADAM, ADAMW, SGD);
    public static final double DEFAULT_MOMENTUM = 0.9;

    public OptimizerSpec {
        Objects.requireNonNull(name, "optimizer name (" + String.join("|", NAMES) + ")");
        name = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("optimizer must be one of " + String.join(", ", NAMES) + ", got '" + name + "'");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate) || learningRate > 10) {
            throw new IllegalArgumentException("learning rate must be in (0, 10], got " + learningRate);
        }
        if (name.equals(SGD)) {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("sgd momentum must be in [0, 1), got " + momentum);
            }
        } else if (momentum != 0) {
            throw new IllegalArgumentException("momentum applies to sgd only (" + name + " has its own moments)");
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("weight decay must be in [0, 1), got " + weightDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
    }

    /** An optimizer with no decay, no smoothing and a constant rate (the 0.1 vocabulary). */
    public OptimizerSpec(String name, double learningRate) {
        this(name, learningRate, defaultMomentum(name), 0, 0, null);
    }

    @JsonCreator
    static OptimizerSpec fromJson(@JsonProperty("name") String name, @JsonProperty("learningRate") double learningRate,
                                  @JsonProperty("momentum") Double momentum, @JsonProperty("weightDecay") Double weightDecay,
                                  @JsonProperty("labelSmoothing") Double labelSmoothing,
                                  @JsonProperty("schedule") LrSchedule schedule) {
        return new OptimizerSpec(name, learningRate, momentum == null ? defaultMomentum(name) : momentum,
                weightDecay == null ? 0 : weightDecay, labelSmoothing == null ? 0 : labelSmoothing, schedule);
    }

    private static double defaultMomentum(String name) {
        return name != null && name.trim().equalsIgnoreCase(SGD) ? DEFAULT_MOMENTUM : 0;
    }

    /** The reference setting: RMSprop at 1e-4. */
    public static OptimizerSpec defaults() {
        return new OptimizerSpec(RMSPROP, 1e-4);
    }

    /** The named optimizer at its usual learning rate (rmsprop 1e-4, adam and adamw 1e-3, sgd 0.1). */
    public static OptimizerSpec of(String name) {
        OptimizerSpec probe = new OptimizerSpec(name, 1e-4);
        return switch (probe.name()) {
            case ADAM, ADAMW -> new OptimizerSpec(probe.name(), 1e-3);
            case SGD -> new OptimizerSpec(SGD, 0.1);
            default -> probe;
        };
    }

    public OptimizerSpec withLearningRate(double rate) {
        return new OptimizerSpec(name, rate, momentum, weightDecay, labelSmoothing, schedule);
    }

    public OptimizerSpec withMomentum(double value) {
        return new OptimizerSpec(name, learningRate, value, weightDecay, labelSmoothing, schedule);
    }

    public OptimizerSpec withWeightDecay(double value) {
        return new OptimizerSpec(name, learningRate, momentum, value, labelSmoothing, schedule);
    }

    public OptimizerSpec withLabelSmoothing(double value) {
        return new OptimizerSpec(name, learningRate, momentum, weightDecay, value, schedule);
    }

    public OptimizerSpec withSchedule(LrSchedule value) {
        return new OptimizerSpec(name, learningRate, momentum, weightDecay, labelSmoothing, value);
    }

    /** The schedule in force: constant when none was given. */
    @JsonIgnore
    public LrSchedule scheduleOrConstant() {
        return schedule == null ? LrSchedule.constant() : schedule;
    }

    /** The rate for a step at {@code position} epochs into a run of {@code totalEpochs}. */
    public double rateAt(double position, int totalEpochs) {
        return scheduleOrConstant().rate(learningRate, position, totalEpochs);
    }

    /** Short human form, e.g. {@code sgd lr 0.1 momentum 0.9 wd 5e-4 ls 0.1 cosine, 3 warm-up epochs}. */
    public String describe() {
        StringBuilder b = new StringBuilder(name).append(" lr ").append(learningRate);
        if (name.equals(SGD)) {
            b.append(" momentum ").append(momentum);
        }
        if (weightDecay > 0) {
            b.append(" wd ").append(weightDecay);
        }
        if (labelSmoothing > 0) {
            b.append(" label smoothing ").append(labelSmoothing);
        }
        if (schedule != null && !schedule.isConstant()) {
            b.append(' ').append(schedule.describe());
        }
        return b.toString();
    }
}
