package dev.pixelflow.trainer;

import dev.pixelflow.common.network.NetworkSpec;

import java.util.Locale;

/** Refuses a network whose training step would not fit the engine's native memory, before the first step. */
final class NetworkFit {
    private NetworkFit() {
    }

    /**
     * @param limit the engine's native memory limit in bytes, 0 for none
     * @throws JobFailedException with the estimate, the limit and what to change, when the estimate exceeds the limit
     */
    static void check(NetworkSpec spec, int batchSize, long limit) {
        long need = spec.trainingBytes(batchSize);
        if (limit > 0 && need > limit) {
            throw new JobFailedException(String.format(Locale.ROOT,
                    "network does not fit: training it on %s at batch %d needs about %s (%,d parameters), more than "
                            + "the %s of native memory the trainer may use (org.bytedeco.javacpp.maxbytes); use a "
                            + "smaller batch, input or network, or give the trainer more memory",
                    spec.input(), batchSize, mib(need), spec.parameterCount(), mib(limit)));
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", (bytes + (1 << 20) - 1) >> 20);
    }
}
