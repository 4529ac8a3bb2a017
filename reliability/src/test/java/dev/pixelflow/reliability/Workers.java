package dev.pixelflow.reliability;

import dev.pixelflow.ingest.IngestWorkerMain;
import dev.pixelflow.inference.InferenceWorkerMain;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.WorkerEnvironment;
import dev.pixelflow.trainer.TrainerWorkerMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the real worker mains in JVMs of their own, configured as the README documents (environment variables),
 * with settings that keep the scenarios fast: 32x32x3 images, short session and transaction timeouts so a killed
 * member's partitions and open transaction are released within seconds.
 */
final class Workers {
    static final String IMAGE_SIZE = "32x32x3";
    private static final List<String> JVM = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");

    private Workers() {
    }

    /** The environment every worker of one scenario shares. */
    static Map<String, String> env(String bootstrap, String prefix, String instance, String... more) {
        Map<String, String> env = WorkerEnvironment.of(bootstrap, prefix, instance, more);
        Map.of("PIXELFLOW_INGEST_GROUP", prefix + "ingest",
                "PIXELFLOW_INFERENCE_GROUP", prefix + "inference",
                "PIXELFLOW_IMAGE_SIZE", IMAGE_SIZE,
                "KAFKA_SESSION_TIMEOUT_MS", "6000",
                "KAFKA_TRANSACTION_TIMEOUT_MS", "10000",
                "PIXELFLOW_DECODE_THREADS", "2").forEach(env::putIfAbsent);
        return env;
    }

    static JavaProcess ingest(Path logDir, Map<String, String> env) {
        return start(logDir, "ingest", IngestWorkerMain.class.getName(), env);
    }

    static JavaProcess inference(Path logDir, Map<String, String> env) {
        return start(logDir, "inference", InferenceWorkerMain.class.getName(), env);
    }

    /** An inference worker that holds each newer model version, loaded, for {@code hold} before swapping it in. */
    static JavaProcess inferenceHoldingSwaps(Path logDir, Map<String, String> env, Duration hold) {
        return start(logDir, "inference", HeldSwapInferenceMain.class.getName(), env, hold.toString());
    }

    static JavaProcess trainer(Path logDir, Map<String, String> env) {
        return start(logDir, "trainer", TrainerWorkerMain.class.getName(), env);
    }

    /** A trainer that holds each publish transaction open, its records sent, for {@code hold} before committing. */
    static JavaProcess trainerHoldingPublishes(Path logDir, Map<String, String> env, Duration hold) {
        return start(logDir, "trainer", HeldPublishTrainerMain.class.getName(), env, hold.toString());
    }

    private static JavaProcess start(Path logDir, String role, String main, Map<String, String> env, String... args) {
        String instance = env.get("PIXELFLOW_INSTANCE_ID");
        return JavaProcess.start(role + " " + instance, main, JVM, List.of(args), env, logDir.resolve(instance + ".log"));
    }
}
