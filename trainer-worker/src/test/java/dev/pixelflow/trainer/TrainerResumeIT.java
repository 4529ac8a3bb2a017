package dev.pixelflow.trainer;

import static dev.pixelflow.trainer.TrainerTestSupport.env;
import static dev.pixelflow.trainer.TrainerTestSupport.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kill -9 the trainer after epoch 1 of 3; the restarted trainer continues at epoch 2 and publishes exactly one version. */
@ExtendWith(KafkaBrokerExtension.class)
class TrainerResumeIT {

    @Test
    void aKilledTrainerResumesFromItsCheckpointAndPublishesOnce(KafkaTestBroker broker, @TempDir Path state) throws Exception {
        String prefix = broker.uniqueName("resume") + ".";
        Topics topics = new Topics(prefix);
        TrainerTestSupport.createTopics(broker.bootstrapServers(), topics);
        TrainerTestSupport.produceTensors(broker.bootstrapServers(), topics, TestDatasets.dogsVsCats().resolve("train"), 150,
                new ImageShape(64, 64, 3));
        Map<String, String> env = env(broker.bootstrapServers(), prefix, state);
        TrainingRequest req = TrainerWorkerIT.request("job-resume", 3);
        TrainerWorkerIT.send(broker.bootstrapServers(), topics, req);

        Process first = TrainerTestSupport.startChild(env, "trainer-resume-1.log");
        try {
            // The checkpoint file appears as epoch 1 ends; watching the disk lets the kill land early in epoch 2.
            Path checkpoint = state.resolve("jobs").resolve(req.jobId()).resolve("checkpoint.json");
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> java.nio.file.Files.exists(checkpoint));
        } finally {
            first.destroyForcibly().waitFor();
        }
        List<TrainingEvent> beforeKill = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId());
        assertThat(beforeKill).extracting(TrainingEvent::type).doesNotContain(TrainingEvent.Type.PUBLISHED);
        int seenBefore = beforeKill.size();
        int lastEpochBefore = Checkpoint.read(state.resolve("jobs").resolve(req.jobId())).orElseThrow().epochsDone();
        assertThat(lastEpochBefore).isBetween(1, 2);

        Process second = TrainerTestSupport.startChild(env, "trainer-resume-2.log");
        try {
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId()).stream()
                            .anyMatch(e -> e.type() == TrainingEvent.Type.PUBLISHED));
        } finally {
            second.destroy();
            second.waitFor();
        }
        List<TrainingEvent> all = events(broker.bootstrapServers(), topics.trainingMetrics.name(), req.jobId());
        List<TrainingEvent> after = all.subList(seenBefore, all.size()).stream()
                .filter(e -> e.type() != TrainingEvent.Type.EPOCH || e.metrics().epoch() > lastEpochBefore).toList();
        TrainingEvent restarted = after.stream().filter(e -> e.type() == TrainingEvent.Type.STARTED).findFirst().orElseThrow();
        assertThat(restarted.epoch()).isEqualTo(lastEpochBefore + 1);
        assertThat(restarted.message()).contains("resuming at epoch " + (lastEpochBefore + 1));
        assertThat(epochs(after)).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(lastEpochBefore + 1, 3).boxed().toList());
        assertThat(all.stream().filter(e -> e.type() == TrainingEvent.Type.PUBLISHED)).hasSize(1);

        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
        List<ModelVersion> versions = new ModelCatalog(clients, topics.models.name()).versions();
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).history()).extracting(m -> m.epoch()).containsExactly(1, 2, 3);
        System.out.printf("resume test: killed after epoch %d, restarted at epoch %d, 1 version published%n",
                lastEpochBefore, restarted.epoch());
    }

    private static List<Integer> epochs(List<TrainingEvent> events) {
        return events.stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH).map(e -> e.metrics().epoch()).toList();
    }
}
