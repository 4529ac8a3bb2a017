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
 * An inference worker works through a backlog of classify requests and is SIGKILLed {@value #KILLS} times at random
 * points (so the kill lands mid-batch), restarted at once under the same instance id each time; the second kill
 * lands after version 2 is loaded and before it is swapped in, a moment the worker holds open for 2 s here (it runs
 * through {@link HeldSwapInferenceMain}). Every request is answered exactly once, good photos with a label and poison
 * (10 % of the requests) with an error.
 */
@Tag("fault")
@ExtendWith(KafkaBrokerExtension.class)
class InferenceCrashIT {
    private static final int INPUTS = 2_000;
    private static final int KILLS = 3;
    private static final long SEED = 9L;
    /**
     * The last kill lands between loading version 2 and swapping it in. Loading and the held swap take seconds in which
     * the worker goes on answering with version 1, so on a fast machine it can finish its backlog first: that kill
     * comes last, and only the others must land mid-backlog.
     */
    private static final int SWAP_KILL = KILLS;
    private static final Duration SWAP_HOLD = Duration.ofSeconds(2);

    @Test
    void aKilledInferenceWorkerNeitherLosesNorAnswersTwice(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("inference-crash") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        Models.publish(bootstrap, topics, 1);
        List<Inputs.Input> requests = Inputs.make("crash-req", INPUTS, 0.10, SEED);
        try (Load requestLoad = new Load("request-client", bootstrap, requests,
                in -> Inputs.request(topics.classifyRequests.name(), in, null), 0).start()) {
            assertThat(requestLoad.await(120_000)).isTrue();
            assertThat(requestLoad.failure()).isNull();
        }
        List<Long> recoveries;
        try (JavaProcess inference = Workers.inferenceHoldingSwaps(Scenarios.LOGS, Workers.env(bootstrap, prefix,
                     "inference", "PIXELFLOW_INFERENCE_MAX_POLL", "64", "PIXELFLOW_BATCH_SIZE", "16"), SWAP_HOLD);
             OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()))) {
            recoveries = Kills.repeatedly(inference, answers, INPUTS, KILLS, new Random(SEED), k -> {
                if (k == SWAP_KILL) {
                    Models.publish(bootstrap, topics, 2);
                    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                            .until(() -> inference.currentLog().contains(Models.NAME + ":2 loaded, swapping it in"));
                }
            }, k -> k == SWAP_KILL);
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .failFast("the inference worker exited", Scenarios.noneExited(inference))
                    .until(() -> answers.count() >= INPUTS);
            // The last kill may have come after the backlog: the restarted worker must still come up serving.
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .failFast("the inference worker exited", Scenarios.noneExited(inference))
                    .until(() -> inference.currentLog().contains("answering requests"));
            stops.add("inference " + Scenarios.stopCleanly(inference));
        }
        Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
        ReliabilityTable.record(new ReliabilityTable.Row("21-crash-inference", "Inference worker SIGKILLed " + KILLS
                + "x mid-batch (once between loading version 2 and swapping it in), restarted", INPUTS
                + " requests (10% poison)", out.answered() + " answered " + out.byOutcome(), out.lost().size(),
                out.duplicated().size(), Kills.max(recoveries), "recovery includes JVM start, model load and group rejoin"));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(out.lost()).as("unanswered requests").isEmpty();
        assertThat(out.duplicated()).as("requests answered twice").isEmpty();
        assertThat(out.exactlyOnce()).isTrue();
        assertThat(out.goodFailed()).as("good photos answered with an error").isEmpty();
        assertThat(out.badOk()).as("poison classified").isEmpty();
    }
}
