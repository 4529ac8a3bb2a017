package dev.pixelflow.common.topic;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.ShadowAnswer;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one registry of pixelflow's topics: names, partitions, retention and serdes, declared once. A prefix
 * ({@code PIXELFLOW_TOPIC_PREFIX}) lets several stacks, or several tests, share a cluster.
 */
public final class Topics {
    /** Encoded images up to the preprocessing limit (20 MB) plus headers. */
    public static final int IMAGE_MESSAGE_BYTES = 21 * 1024 * 1024;
    /** Room for a 1024×1024×3 tensor; larger inputs are not what these networks are for. */
    public static final int TENSOR_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** Model chunks stay under the broker's default 1 MB limit, so no cluster change is needed. */
    public static final int MODEL_CHUNK_BYTES = 512 * 1024;
    private static final String DAY_MS = Long.toString(24L * 3600 * 1000);
    private static final String WEEK_MS = Long.toString(7L * 24 * 3600 * 1000);
    private static final String MONTH_MS = Long.toString(30L * 24 * 3600 * 1000);

    private static final Serde<String> KEY = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    public final Topic<String, byte[]> imagesRaw;
    public final Topic<String, byte[]> imagesDlq;
    public final Topic<String, TensorRecord> tensors;
    public final Topic<String, byte[]> models;
    public final Topic<String, RolloutState> modelsRollout;
    public final Topic<String, TrainingRequest> trainingRequests;
    public final Topic<String, TrainingEvent> trainingMetrics;
    public final Topic<String, byte[]> classifyRequests;
    public final Topic<String, ClassifyResult> classifyResults;
    public final Topic<String, ShadowAnswer> classifyShadow;
    private final String prefix;

    public Topics(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
        imagesRaw = new Topic<>(name("images.raw"), 3, Map.of("cleanup.policy", "delete", "retention.ms", WEEK_MS,
                "max.message.bytes", Integer.toString(IMAGE_MESSAGE_BYTES)), KEY, BYTES);
        imagesDlq = new Topic<>(name("images.dlq"), 1, Map.of("cleanup.policy", "delete", "retention.ms", MONTH_MS,
                "max.message.bytes", Integer.toString(IMAGE_MESSAGE_BYTES)), KEY, BYTES);
        // Compacted: re-ingesting an image at the same size replaces its record instead of adding one.
        tensors = new Topic<>(name("tensors"), 3, Map.of("cleanup.policy", "compact",
                "max.message.bytes", Integer.toString(TENSOR_MESSAGE_BYTES)), KEY, new TensorRecordSerde());
        // Compacted and kept forever: every version stays loadable; chunk and manifest keys are unique per version.
        // One partition, so a manifest and its chunks are read in order.
        models = new Topic<>(name("models"), 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1"), KEY, BYTES);
        // Keyed by model name, compacted and kept forever: the latest record of a name is its rollout state.
        // One partition, so every reader sees the changes of all names in the order they were made.
        modelsRollout = new Topic<>(name("models.rollout"), 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1"),
                KEY, RolloutState.SERDE);
        trainingRequests = new Topic<>(name("training.requests"), 1, Map.of("cleanup.policy", "delete",
                "retention.ms", MONTH_MS), KEY, TrainingRequest.SERDE);
        trainingMetrics = new Topic<>(name("training.metrics"), 1, Map.of("cleanup.policy", "delete",
                "retention.ms", MONTH_MS), KEY, TrainingEvent.SERDE);
        classifyRequests = new Topic<>(name("classify.requests"), 3, Map.of("cleanup.policy", "delete",
                "retention.ms", DAY_MS, "max.message.bytes", Integer.toString(IMAGE_MESSAGE_BYTES)), KEY, BYTES);
        classifyResults = new Topic<>(name("classify.results"), 3, Map.of("cleanup.policy", "delete",
                "retention.ms", DAY_MS), KEY, ClassifyResult.SERDE);
        classifyShadow = new Topic<>(name("classify.shadow"), 3, Map.of("cleanup.policy", "delete",
                "retention.ms", DAY_MS), KEY, ShadowAnswer.SERDE);
    }

    public String prefix() {
        return prefix;
    }

    /** A topic name with this registry's prefix, e.g. for a client's own reply topic. */
    public String name(String base) {
        return prefix + base;
    }

    public List<Topic<?, ?>> all() {
        return List.of(imagesRaw, imagesDlq, tensors, models, modelsRollout, trainingRequests, trainingMetrics,
                classifyRequests, classifyResults, classifyShadow);
    }
}
