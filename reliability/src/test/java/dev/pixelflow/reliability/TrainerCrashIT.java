package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.network.LayerSpec;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pixelflow.common.network.LayerSpec;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.PublishPolicy;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A trainer is SIGKILLed three times during one job that publishes an intermediate version every
 * {@value #PUBLISH_EVERY} epochs: somewhere in the epoch after the first, inside the transaction that publishes the
 * version after epoch 4, and inside the one that publishes the final version (the trainer holds its publish
 * transactions open for 3 s here, through {@link HeldPublishTrainerMain}, so the kill is aimed, not hoped for), and restarted each time.
 * The job resumes after its last checkpointed epoch each time (its STARTED event says so, and every epoch is announced);
 * every version it asks for is out exactly once (one whose publish was killed is published on resume) and no reader
 * ever sees a broken version.
 */
@Tag("fault")
@ExtendWith(KafkaBrokerExtension.class)
class TrainerCrashIT {
    private static final int IMAGES = 1_000;
    /** Big enough that an epoch takes seconds, so that a kill can land inside one. */
    private static final List<LayerSpec> LAYERS = List.of(LayerSpec.conv(32, 3, LayerSpec.RELU), LayerSpec.maxpool(2),
            LayerSpec.conv(64, 3, LayerSpec.RELU), LayerSpec.maxpool(2), LayerSpec.flatten(), LayerSpec.dense(64, LayerSpec.RELU));
    private static final int EPOCHS = 6;
    private static final int PUBLISH_EVERY = 2;
    private static final long SEED = 90L;
    private static final Duration PUBLISH_HOLD = Duration.ofSeconds(3);

    @Test
    void aTrainerKilledMidEpochAndMidPublishResumesAndNoVersionIsBroken(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        List<String> kills = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("trainer-crash") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        List<Inputs.Input> raw = Inputs.make("trainer-raw", IMAGES, 0.0, SEED);
        try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest"));
             OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name()));
             Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), 0)) {
            rawLoad.start();
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                    .failFast("the ingest worker exited", Scenarios.noneExited(ingest))
                    .until(() -> tensors.count() >= IMAGES);
            stops.add("ingest " + Scenarios.stopCleanly(ingest));
        }

        String jobId = prefix + "job";
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "trainer-state-");
        Random random = new Random(SEED);
        long recovery = -1;
        try (JavaProcess trainer = Workers.trainerHoldingPublishes(Scenarios.LOGS, Workers.env(bootstrap, prefix, "trainer",
                "PIXELFLOW_STATE_DIR", state.toString(), "PIXELFLOW_TRAINER_GROUP", prefix + "trainer"), PUBLISH_HOLD);
             OutputWatch metrics = new OutputWatch(bootstrap, List.of(topics.trainingMetrics.name()));
             Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Jobs.send(bootstrap, topics, Jobs.request(jobId, EPOCHS, new PublishPolicy(PUBLISH_EVERY, false), LAYERS));
            TopicPartition models = new TopicPartition(topics.models.name(), 0);

            awaitEpoch(bootstrap, topics, jobId, trainer, 1);
            Scenarios.randomPause(random, 500);
            long killedAt = System.currentTimeMillis();
            trainer.kill();
            kills.add("mid-epoch " + (lastEpoch(bootstrap, topics, jobId) + 1));
            int done = epochsDone(state, jobId);
            int seen = Jobs.events(bootstrap, topics, jobId).size();
            trainer.start();

            // The restarted trainer resumes after the last checkpointed epoch, not from the start.
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .failFast("the trainer exited", Scenarios.noneExited(trainer))
                    .until(() -> startedAfter(bootstrap, topics, jobId, seen).isPresent());
            TrainingEvent restarted = startedAfter(bootstrap, topics, jobId, seen).orElseThrow();
            assertThat(done).as("epochs checkpointed at the kill").isBetween(1, EPOCHS - 1);
            assertThat(restarted.epoch()).isEqualTo(done + 1);
            assertThat(restarted.message()).contains("resuming at epoch " + (done + 1));

            // The publish transactions are held open (PUBLISH_HOLD): kill inside the one after epoch 4, then inside
            // the final one, once its records are in the topic but not committed.
            // The hook logs which version it holds: the version after epoch e is the (e / PUBLISH_EVERY)-th.
            for (int epoch : List.of(2 * PUBLISH_EVERY, EPOCHS)) {
                String held = Models.NAME + ":" + epoch / PUBLISH_EVERY + " sent, publish transaction open";
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                        .failFast("the trainer exited", Scenarios.noneExited(trainer))
                        .until(() -> trainer.currentLog().contains(held) && transactionOpen(admin, models));
                trainer.kill();
                kills.add("mid-publish after epoch " + epoch);
                trainer.start();
            }

            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
                    .failFast("the trainer exited", Scenarios.noneExited(trainer))
                    .until(() -> Jobs.ended(bootstrap, topics, jobId));
            recovery = metrics.recoveredAfter(killedAt);
            stops.add("trainer " + Scenarios.stopCleanly(trainer));
        }

        List<TrainingEvent.Type> types = Jobs.types(bootstrap, topics, jobId);
        Invariants.ModelOutcome models = Invariants.models(bootstrap, topics);
        List<ModelVersion> finals = models.complete().stream().filter(v -> v.history().size() == EPOCHS).toList();
        long published = types.stream().filter(t -> t == TrainingEvent.Type.PUBLISHED).count();
        ReliabilityTable.record(new ReliabilityTable.Row("22-crash-trainer", "Trainer SIGKILLed 3x in one job ("
                + String.join("; ", kills) + "), restarted", IMAGES + " images, 1 job of " + EPOCHS
                + " epochs publishing every " + PUBLISH_EVERY, models.complete().size() + " versions published ("
                + finals.size() + " final), " + models.broken().size() + " broken", finals.size() == 1 ? 0 : 1,
                (int) Math.max(0, published - 1), ReliabilityTable.seconds(recovery)
                + " from the first kill to the next training event", "resumed from the checkpoint each time"));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(types).doesNotContain(TrainingEvent.Type.FAILED);
        assertThat(published).as("PUBLISHED events").isEqualTo(1);
        assertThat(models.broken()).as("broken versions").isEmpty();
        assertThat(finals).as("final versions").hasSize(1);
        assertThat(models.complete()).extracting(ModelVersion::version).doesNotHaveDuplicates();
        // Every version the policy asks for is out once, also one whose epoch ended just before a kill.
        assertThat(models.complete()).extracting(v -> v.history().size()).containsExactly(2, 4, 6);
        assertThat(finals.get(0).history()).extracting(h -> h.epoch()).containsExactly(1, 2, 3, 4, 5, 6);
        // A kill between an epoch's checkpoint and its event is made good by announcing it again on resume.
        assertThat(Jobs.events(bootstrap, topics, jobId).stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH)
                .map(TrainingEvent::epoch).distinct().sorted()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    /** Epochs in the job's checkpoint, as the trainer wrote it to its state directory. */
    private static int epochsDone(Path state, String jobId) throws Exception {
        Path checkpoint = state.resolve("jobs").resolve(jobId.replaceAll("[^A-Za-z0-9._-]", "_")).resolve("checkpoint.json");
        return new ObjectMapper().readTree(checkpoint.toFile()).get("epochsDone").asInt();
    }

    /** The first STARTED event of the job after its first {@code seen} events. */
    private static Optional<TrainingEvent> startedAfter(String bootstrap, Topics topics, String jobId, int seen) {
        List<TrainingEvent> events = Jobs.events(bootstrap, topics, jobId);
        return events.subList(Math.min(seen, events.size()), events.size()).stream()
                .filter(e -> e.type() == TrainingEvent.Type.STARTED).findFirst();
    }

    private static void awaitEpoch(String bootstrap, Topics topics, String jobId, JavaProcess trainer, int epoch) {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                .failFast("the trainer exited", Scenarios.noneExited(trainer))
                .until(() -> lastEpoch(bootstrap, topics, jobId) >= epoch);
    }

    private static int lastEpoch(String bootstrap, Topics topics, String jobId) {
        return Jobs.events(bootstrap, topics, jobId).stream().filter(e -> e.type() == TrainingEvent.Type.EPOCH)
                .mapToInt(TrainingEvent::epoch).max().orElse(0);
    }

    /** A transaction is open on the partition: its last stable offset is behind its high watermark. */
    private static boolean transactionOpen(Admin admin, TopicPartition tp) throws Exception {
        long stable = admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(tp).get().offset();
        long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
                new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).partitionResult(tp).get().offset();
        return stable < end;
    }
}
