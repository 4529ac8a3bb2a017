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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An ingest and an inference worker work through a backlog each; both are SIGKILLed {@value #KILLS} times at
 * random points (so the kill lands mid-transaction for ingest and mid-batch for inference; the second inference
 * kill lands after version 2 is loaded and before it is swapped in, a window the worker holds open for
 * 2 s here through {@link HeldSwapInferenceMain}) and restarted at once
 * under the same instance id: nothing is lost, nothing is duplicated. 10 % of the inputs are poison, so the error
 * paths are crossed by kills too.
 */
@Tag("fault")
@ExtendWith(KafkaBrokerExtension.class)
class WorkerCrashIT {
    private static final int INPUTS = 2_000;
    private static final int KILLS = 3;
    private static final long SEED = 8L;
    private static final int SWAP_KILL = 2;
    private static final Duration SWAP_HOLD = Duration.ofSeconds(2);

    @Test
    void killedWorkersNeitherLoseNorDuplicate(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("crash") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        Models.publish(bootstrap, topics, 1);
        List<Inputs.Input> raw = Inputs.make("crash-raw", INPUTS, 0.10, SEED);
        List<Inputs.Input> requests = Inputs.make("crash-req", INPUTS, 0.10, SEED + 1);
        try (Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), 0).start();
             Load requestLoad = new Load("request-client", bootstrap, requests,
                     in -> Inputs.request(topics.classifyRequests.name(), in, null), 0).start()) {
            assertThat(rawLoad.await(120_000) && requestLoad.await(120_000)).isTrue();
            assertThat(rawLoad.failure()).isNull();
            assertThat(requestLoad.failure()).isNull();
        }
        List<Long> ingestRecoveries = new ArrayList<>();
        List<Long> inferenceRecoveries = new ArrayList<>();
        try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest",
                     "PIXELFLOW_INGEST_BATCH", "64"));
             JavaProcess inference = Workers.inferenceHoldingSwaps(Scenarios.LOGS, Workers.env(bootstrap, prefix, "inference",
                     "PIXELFLOW_INFERENCE_MAX_POLL", "64", "PIXELFLOW_BATCH_SIZE", "16"), SWAP_HOLD);
             OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name(), topics.imagesDlq.name()));
             OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()))) {
            // Each worker's kills run on their own thread: the two work at different speeds, and each must be
            // killed in the middle of its own backlog.
            CompletableFuture<List<Long>> ingestKills = CompletableFuture.supplyAsync(
                    () -> killRepeatedly(ingest, tensors, new Random(SEED), k -> { }));
            // The second inference kill lands between the load of version 2 and its swap (held open for SWAP_HOLD).
            CompletableFuture<List<Long>> inferenceKills = CompletableFuture.supplyAsync(
                    () -> killRepeatedly(inference, answers, new Random(SEED + 1), k -> {
                        if (k == SWAP_KILL) {
                            Models.publish(bootstrap, topics, 2);
                            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                                    .until(() -> inference.currentLog().contains(Models.NAME + ":2 loaded, swapping it in"));
                        }
                    }));
            ingestRecoveries.addAll(ingestKills.get(10, TimeUnit.MINUTES));
            inferenceRecoveries.addAll(inferenceKills.get(10, TimeUnit.MINUTES));
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .failFast("a worker exited", Scenarios.noneExited(ingest, inference))
                    .until(() -> tensors.count() >= INPUTS && answers.count() >= INPUTS);
            stops.add("ingest " + Scenarios.stopCleanly(ingest));
            stops.add("inference " + Scenarios.stopCleanly(inference));
        }
        Invariants.IngestOutcome in = Invariants.ingest(bootstrap, topics, raw);
        Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
        ReliabilityTable.record(new ReliabilityTable.Row("20-crash-ingest", "Ingest worker SIGKILLed " + KILLS
                + "x mid-transaction, restarted", INPUTS + " raw images (10% poison)", in.ingested() + " tensors + "
                + in.deadLetter() + " DLQ", in.lost().size(), in.duplicated().size(), max(ingestRecoveries),
                "recovery = kill to first new committed output, including JVM start, native library load, group rejoin"));
        ReliabilityTable.record(new ReliabilityTable.Row("21-crash-inference", "Inference worker SIGKILLed " + KILLS
                + "x mid-batch (once between loading version 2 and swapping it in), restarted", INPUTS + " requests (10% poison)", out.answered() + " answered "
                + out.byOutcome(), out.lost().size(), out.duplicated().size(), max(inferenceRecoveries),
                "recovery includes JVM start, model load and group rejoin"));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(in.lost()).as("lost raw images").isEmpty();
        assertThat(in.duplicated()).as("duplicated raw images").isEmpty();
        assertThat(in.exactlyOnce()).isTrue();
        assertThat(in.goodInDlq()).as("good photos dead-lettered").isEmpty();
        assertThat(in.badIngested()).as("poison taken for images").isEmpty();
        assertThat(out.lost()).as("unanswered requests").isEmpty();
        assertThat(out.duplicated()).as("requests answered twice").isEmpty();
        assertThat(out.exactlyOnce()).isTrue();
        assertThat(out.goodFailed()).as("good photos answered with an error").isEmpty();
        assertThat(out.badOk()).as("poison classified").isEmpty();
    }

    /**
     * Kills the worker {@value #KILLS} times, each once a further share of the backlog is visible plus a random
     * moment, restarting it at once; returns each kill's time to recover (ms).
     */
    private static List<Long> killRepeatedly(JavaProcess worker, OutputWatch outputs, Random random, IntConsumer beforeKill) {
        List<Long> recoveries = new ArrayList<>();
        for (int k = 1; k <= KILLS; k++) {
            int target = k * INPUTS / (KILLS + 2);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                    .failFast("the worker exited; see " + worker.logFile(), () -> !worker.isAlive())
                    .until(() -> outputs.count() >= target);
            beforeKill.accept(k);
            Scenarios.randomPause(random, 400);
            long killedAt = System.currentTimeMillis();
            worker.kill();
            int atKill = outputs.count();
            assertThat(atKill).as("%s killed before it finished its backlog", worker.name()).isLessThan(INPUTS);
            worker.start();
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                        .failFast("the restarted worker exited; see " + worker.logFile(), () -> !worker.isAlive())
                        .until(() -> outputs.recoveredAfter(killedAt) >= 0);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no new output from " + worker.name() + " after kill " + k + " (" + atKill
                        + " outputs at the kill); thread dump in " + worker.dumpThreads(), e);
            }
            recoveries.add(outputs.recoveredAfter(killedAt));
        }
        return recoveries;
    }

    private static String max(List<Long> recoveries) {
        return ReliabilityTable.seconds(recoveries.stream().mapToLong(Long::longValue).max().orElse(-1))
                + " (max of " + recoveries.size() + ")";
    }
}
