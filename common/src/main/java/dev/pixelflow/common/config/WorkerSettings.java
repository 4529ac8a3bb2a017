package dev.pixelflow.common.config;

import java.net.InetAddress;
import java.time.Duration;

/**
 * What every worker has in common: its identity, its HTTP endpoint and its patience.
 *
 * @param instanceId      stable per worker instance; the transactional id derives from it, so a restarted
 *                        instance fences its crashed predecessor instead of running beside it
 * @param httpHost        address of /health and /metrics (127.0.0.1 outside containers: metrics are not for the world)
 * @param httpPort        0 picks a free port
 * @param shutdownTimeout how long stop() waits for the loop to finish its batch
 * @param retryAttempts   retriable errors are retried this many times before the worker gives up
 * @param retryBackoff    first backoff between retries; doubles each attempt
 */
public record WorkerSettings(String instanceId, String httpHost, int httpPort, Duration shutdownTimeout,
                             int retryAttempts, Duration retryBackoff) {

    public static WorkerSettings from(ConfigSource source, String role, int defaultHttpPort) {
        String host = source.string("PIXELFLOW_HTTP_HOST", "127.0.0.1");
        return new WorkerSettings(
                source.string("PIXELFLOW_INSTANCE_ID", role + "-" + hostName()),
                host,
                source.intIn("PIXELFLOW_HTTP_PORT", defaultHttpPort, 0, 65535),
                source.duration("PIXELFLOW_SHUTDOWN_TIMEOUT", Duration.ofSeconds(10)),
                source.intIn("PIXELFLOW_RETRY_ATTEMPTS", 10, 0, 1000),
                source.duration("PIXELFLOW_RETRY_BACKOFF", Duration.ofMillis(200)));
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "local";
        }
    }
}
