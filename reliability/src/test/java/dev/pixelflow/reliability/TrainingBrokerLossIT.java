package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.ThreeNodeCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A training job on a three-broker cluster loses the active controller mid-training (the node comes back
 * {@value #DOWN_SECONDS} s later): the trainer carries on without a restart and publishes exactly one version,
 * complete and verified.
 */
@Tag("slow-fault")
class TrainingBrokerLossIT {
    private static final int IMAGES = 1_200;
    private static final int EPOCHS = 8;
    private static final long DOWN_SECONDS = 10;
    private static final long SEED = 70L;

    @Test
    void trainingSurvivesLosingTheControllerAndPublishesOnce() throws Exception {
        List<String> stops = new ArrayList<>();
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "cluster-");
        try (ThreeNodeCluster cluster = ThreeNodeCluster.start(work,
                Map.of("default.replication.factor", "1", "min.insync.replicas", "1"))) {
            String bootstrap = cluster.bootstrapServers();
            String prefix = "train-loss-" + System.nanoTime() + ".";
            Topics topics = Scenarios.createTopics(bootstrap, prefix);
            List<Inputs.Input> raw = Inputs.make("train-raw", IMAGES, 0.0, SEED);
            String jobId = prefix + "job";
            String killed;
            long recovery;
            try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest"));
                 OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name()));
                 Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), 0)) {
                rawLoad.start();
                await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                        .failFast("the ingest worker exited; see " + ingest.logFile(), () -> !ingest.isAlive())
                        .until(() -> tensors.count() >= IMAGES);
                stops.add("ingest " + Scenarios.stopCleanly(ingest));
            }
            Path state = Files.createTempDirectory(work, "trainer-state-");
            try (JavaProcess trainer = Workers.trainer(Scenarios.LOGS, Workers.env(bootstrap, prefix, "trainer",
                    "PIXELFLOW_STATE_DIR", state.toString(), "PIXELFLOW_TRAINER_GROUP", prefix + "trainer"));
                 OutputWatch metrics = new OutputWatch(bootstrap, List.of(topics.trainingMetrics.name()))) {
                Jobs.send(bootstrap, topics, Jobs.small(jobId, EPOCHS, null));
                // ignoreExceptions: a metadata timeout of the reading client while a node is down is no verdict.
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .failFast("the trainer exited; see " + trainer.logFile(), () -> !trainer.isAlive())
                        .until(() -> Jobs.types(bootstrap, topics, jobId).contains(TrainingEvent.Type.EPOCH));
                assertThat(Jobs.types(bootstrap, topics, jobId)).as("killed before the end of training")
                        .doesNotContain(TrainingEvent.Type.PUBLISHED);
                int controller = cluster.activeController();
                killed = "node " + controller + " (active controller)";
                long killedAt = System.currentTimeMillis();
                cluster.kill(controller);
                // A fixed outage under training, not synchronisation.
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(DOWN_SECONDS));
                cluster.restart(controller);
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .failFast("the trainer exited; see " + trainer.logFile(), () -> !trainer.isAlive())
                        .until(() -> Jobs.ended(bootstrap, topics, jobId));
                recovery = metrics.recoveredAfter(killedAt);
                stops.add("trainer " + Scenarios.stopCleanly(trainer));
            }
            List<TrainingEvent.Type> types = Jobs.types(bootstrap, topics, jobId);
            Invariants.ModelOutcome models = Invariants.models(bootstrap, topics);
            long published = types.stream().filter(t -> t == TrainingEvent.Type.PUBLISHED).count();
            ReliabilityTable.record(new ReliabilityTable.Row("31-broker-loss-training", "3 brokers: SIGKILL " + killed
                    + " mid-training, back after " + DOWN_SECONDS + " s", IMAGES + " images ingested, 1 job of " + EPOCHS
                    + " epochs", published + " version published (" + models.complete().size() + " complete, "
                    + models.broken().size() + " broken)", published == 1 ? 0 : 1, (int) Math.max(0, published - 1),
                    ReliabilityTable.seconds(recovery) + " to the next training event", "trainer not restarted"));
            assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
            assertThat(types).doesNotContain(TrainingEvent.Type.FAILED);
            assertThat(published).as("PUBLISHED events").isEqualTo(1);
            assertThat(models.broken()).isEmpty();
            assertThat(models.complete()).hasSize(1);
            assertThat(models.complete().get(0).history()).hasSize(EPOCHS);
        }
    }
}
