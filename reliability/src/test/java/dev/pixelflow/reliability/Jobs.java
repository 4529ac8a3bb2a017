package dev.pixelflow.reliability;

import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.message.PublishPolicy;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.TestProducers;
import dev.pixelflow.testkit.TopicReader;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Training jobs for the fault scenarios: a small network on the scenarios' images, and what the job reported. */
final class Jobs {
    private Jobs() {
    }

    /** A job for a network small enough that an epoch of a thousand 32x32 images takes about a second. */
    static TrainingRequest small(String jobId, int epochs, PublishPolicy publish) {
        return request(jobId, epochs, publish, List.of(LayerSpec.conv(4, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
                LayerSpec.flatten(), LayerSpec.dense(8, LayerSpec.RELU)));
    }

    static TrainingRequest request(String jobId, int epochs, PublishPolicy publish, List<LayerSpec> layers) {
        return new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, Models.NAME, null, layers, Models.SHAPE, null,
                OptimizerSpec.defaults(), 32, epochs, null, 7L, null, Instant.now(), publish);
    }

    static void send(String bootstrap, Topics topics, TrainingRequest request) throws Exception {
        try (KafkaProducer<String, byte[]> producer = TestProducers.bytes(bootstrap)) {
            producer.send(new ProducerRecord<>(topics.trainingRequests.name(), request.jobId(),
                    TrainingRequest.SERDE.serialize("", request))).get(60, TimeUnit.SECONDS);
        }
    }

    /** The job's committed events on training.metrics, in order. */
    static List<TrainingEvent> events(String bootstrap, Topics topics, String jobId) {
        return TopicReader.readAll(bootstrap, topics.trainingMetrics.name()).stream()
                .map(r -> TrainingEvent.SERDE.deserialize(r.topic(), r.value()))
                .filter(e -> e.jobId().equals(jobId)).collect(Collectors.toList());
    }

    static List<TrainingEvent.Type> types(String bootstrap, Topics topics, String jobId) {
        return events(bootstrap, topics, jobId).stream().map(TrainingEvent::type).collect(Collectors.toList());
    }

    /** The job published its version or failed. */
    static boolean ended(String bootstrap, Topics topics, String jobId) {
        List<TrainingEvent.Type> types = types(bootstrap, topics, jobId);
        return types.contains(TrainingEvent.Type.PUBLISHED) || types.contains(TrainingEvent.Type.FAILED);
    }
}
