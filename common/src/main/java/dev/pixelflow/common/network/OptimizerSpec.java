package dev.pixelflow.common.network;

import java.util.Locale;
import java.util.Objects;

/**
 * The weight-update rule of a training run. Hyper-parameters other than the learning rate follow Keras'
 * defaults (RMSprop rho 0.9, Adam betas 0.9/0.999, epsilon 1e-7) so results compare with the reference.
 *
 * @param name         {@code rmsprop} or {@code adam}
 * @param learningRate step size, &gt; 0
 */
public record OptimizerSpec(String name, double learningRate) {
    public static final String RMSPROP = "rmsprop";
    public static final String ADAM = "adam";

    public OptimizerSpec {
        Objects.requireNonNull(name, "optimizer name (rmsprop|adam)");
        name = name.trim().toLowerCase(Locale.ROOT);
        if (!name.equals(RMSPROP) && !name.equals(ADAM)) {
            throw new IllegalArgumentException("optimizer must be rmsprop or adam, got '" + name + "'");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate) || learningRate > 10) {
            throw new IllegalArgumentException("learning rate must be in (0, 10], got " + learningRate);
        }
    }

    /** The reference setting: RMSprop at 1e-4. */
    public static OptimizerSpec defaults() {
        return new OptimizerSpec(RMSPROP, 1e-4);
    }

    /** The named optimizer at its usual learning rate (rmsprop 1e-4, adam 1e-3). */
    public static OptimizerSpec of(String name) {
        OptimizerSpec probe = new OptimizerSpec(name, 1e-4);
        return probe.name().equals(ADAM) ? new OptimizerSpec(ADAM, 1e-3) : probe;
    }
}
