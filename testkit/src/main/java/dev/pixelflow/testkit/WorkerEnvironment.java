package dev.pixelflow.testkit;

import java.util.HashMap;
import java.util.Map;

/** The environment variables a test gives a worker, in the README's names. */
public final class WorkerEnvironment {
    private WorkerEnvironment() {
    }

    /**
     * The cluster, the test's topic prefix, an ephemeral /health port and an instance id unique to the prefix (so
     * each test has its own transactional ids), then {@code more} as name, value pairs, which win.
     */
    public static Map<String, String> of(String bootstrap, String prefix, String instance, String... more) {
        if (more.length % 2 != 0) {
            throw new IllegalArgumentException("name, value pairs expected, got " + more.length + " strings");
        }
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                "PIXELFLOW_TOPIC_PREFIX", prefix, "PIXELFLOW_HTTP_PORT", "0", "PIXELFLOW_INSTANCE_ID", prefix + instance));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }
}
