package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An ingest worker works through a backlog of raw images and is SIGKILLed {@value #KILLS} times at random points
 * (so the kill lands mid-transaction), restarted at once under the same instance id each time: every raw image ends
 * up exactly once in {@code tensors} or {@code images.dlq}, good photos as tensors and poison (10 % of the inputs, so
 * that kills cross the error path too) dead-lettered.
 */
@Tag("fault")
@ExtendWith(KafkaBrokerExtension.class)
class IngestCrashIT {
    private static final int INPUTS = 2_000;
    private static final int KILLS = 3;
    private static final long SEED = 8L;

    @Test
    void aKilledIngestWorkerNeitherLosesNorDuplicates(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("ingest-crash") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        List<Inputs.Input> raw = Inputs.make("crash-raw", INPUTS, 0.10, SEED);
        try (Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), 0).start()) {
            assertThat(rawLoad.await(120_000)).isTrue();
            assertThat(rawLoad.failure()).isNull();
        }
        List<Long> recoveries;
        try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest",
                     "PIXELFLOW_INGEST_BATCH", "64"));
             OutputWatch outputs = new OutputWatch(bootstrap, List.of(topics.tensors.name(), topics.imagesDlq.name()))) {
            recoveries = Kills.repeatedly(ingest, outputs, INPUTS, KILLS, new Random(SEED), k -> { }, k -> false);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .failFast("the ingest worker exited", Scenarios.noneExited(ingest))
                    .until(() -> outputs.count() >= INPUTS);
            stops.add("ingest " + Scenarios.stopCleanly(ingest));
        }
        Invariants.IngestOutcome in = Invariants.ingest(bootstrap, topics, raw);
        ReliabilityTable.record(new ReliabilityTable.Row("20-crash-ingest", "Ingest worker SIGKILLed " + KILLS
                + "x mid-transaction, restarted", INPUTS + " raw images (10% poison)", in.ingested() + " tensors + "
                + in.deadLetter() + " DLQ", in.lost().size(), in.duplicated().size(), Kills.max(recoveries),
                "recovery = kill to first new committed output, including JVM start, native library load, group rejoin"));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(in.lost()).as("lost raw images").isEmpty();
        assertThat(in.duplicated()).as("duplicated raw images").isEmpty();
        assertThat(in.exactlyOnce()).isTrue();
        assertThat(in.goodInDlq()).as("good photos dead-lettered").isEmpty();
        assertThat(in.badIngested()).as("poison taken for images").isEmpty();
    }
}
