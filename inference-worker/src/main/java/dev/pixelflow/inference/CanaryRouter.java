package dev.pixelflow.inference;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which requests a canary answers: a hash of the request id into 10,000 buckets, the first {@code weight} percent of
 * them canary. The same id always lands in the same bucket, on every worker and after every restart, so a retried
 * request takes the route it took before (as long as the weight is unchanged).
 */
final class CanaryRouter {
    static final int BUCKETS = 10_000;

    private CanaryRouter() {
    }

    static int bucket(String requestId) {
        return Utils.toPositive(Utils.murmur2(requestId.getBytes(StandardCharsets.UTF_8))) % BUCKETS;
    }

    /** @param weight percent of requests for the canary, 0 to 100 */
    static boolean toCanary(String requestId, int weight) {
        return weight > 0 && bucket(requestId) < weight * (BUCKETS / 100);
    }
}
