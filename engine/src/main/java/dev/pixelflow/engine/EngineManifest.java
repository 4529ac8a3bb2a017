package dev.pixelflow.engine;

import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import java.util.Objects;

/**
 * The JSON header of a saved engine file: enough to rebuild the engine and to describe the model without
 * loading its weights.
 *
 * @param format        always {@value #FORMAT}, to reject foreign files with a clear message
 * @param version       file layout version, {@value #VERSION}
 * @param engine        implementation that wrote the graph ({@code samediff})
 * @param channelsFirst feature layout the graph takes (NCHW when true)
 * @param network       the architecture
 * @param optimizer     the optimizer the updater state belongs to
 * @param updaterState  whether optimizer state was saved (training can continue exactly)
 * @param steps         training steps taken before saving
 */
public record EngineManifest(String format, int version, String engine, boolean channelsFirst, NetworkSpec network,
                             OptimizerSpec optimizer, boolean updaterState, long steps) {
    public static final String FORMAT = "pixelflow-engine";
    public static final int VERSION = 1;

    public EngineManifest {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("not a pixelflow engine file (format '" + format + "')");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("engine file version " + version + " is not supported (expected "
                    + VERSION + ")");
        }
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(optimizer, "optimizer");
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
    }
}
