package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutControl;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two inference workers in one group answer a steady stream of requests from production version 2; the model is
 * rolled back to version 1 and one worker is SIGKILLed right after the change, then restarted. Every request is
 * answered exactly once, and every answer sent more than 5 s after the rollback comes from version 1.
 */
@Tag("fault")
@ExtendWith(KafkaBrokerExtension.class)
class RolloutRollbackIT {
    private static final int INPUTS = 1_600;
    private static final int PER_SECOND = 80;
    private static final long SWITCH_MS = 5_000;

    @Test
    void aRollbackReachesBothWorkersWithinFiveSecondsAndAKillLosesNothing(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("rollout-rollback") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        Models.publish(bootstrap, topics, 1);
        Models.publish(bootstrap, topics, 2);
        KafkaClients clients = new KafkaClients(new KafkaSettings(bootstrap, prefix, Map.of()), "reliability");
        RolloutControl control = new RolloutControl(new ModelCatalog(clients, topics.models.name()),
                new RolloutCatalog(clients, topics.modelsRollout.name()));
        control.promote(Models.NAME, 1, "history for the rollback");
        control.promote(Models.NAME, 2, "the version under test");
        List<Inputs.Input> requests = Inputs.make("rollback-req", INPUTS, 0.0, 17L);
        long rolledBackAt;
        try (JavaProcess w1 = Workers.inference(Scenarios.LOGS, Workers.env(bootstrap, prefix, "rollback-w1",
                     "PIXELFLOW_INFERENCE_MAX_POLL", "32", "PIXELFLOW_BATCH_SIZE", "16"));
             JavaProcess w2 = Workers.inference(Scenarios.LOGS, Workers.env(bootstrap, prefix, "rollback-w2",
                     "PIXELFLOW_INFERENCE_MAX_POLL", "32", "PIXELFLOW_BATCH_SIZE", "16"));
             OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()))) {
            Scenarios.awaitAssigned(w1, w2);
            try (Load load = new Load("request-client", bootstrap, requests,
                    in -> Inputs.request(topics.classifyRequests.name(), in, null), PER_SECOND).start()) {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .failFast("a worker exited", Scenarios.noneExited(w1, w2))
                        .until(() -> answers.count() >= INPUTS / 3);
                rolledBackAt = System.currentTimeMillis();
                assertThat(control.rollback(Models.NAME, "fault test").production()).isEqualTo(1);
                Scenarios.randomPause(new Random(17L), 400);
                w1.kill();
                w1.start();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .failFast("a worker exited", Scenarios.noneExited(w1, w2))
                        .until(() -> answers.count() >= INPUTS);
                assertThat(load.failure()).isNull();
            }
            stops.add("w1 " + Scenarios.stopCleanly(w1));
            stops.add("w2 " + Scenarios.stopCleanly(w2));
        }
        Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
        List<ConsumerRecord<String, ClassifyResult>> late = out.answers().values().stream()
                .filter(r -> r.timestamp() > rolledBackAt + SWITCH_MS).toList();
        List<String> lateFromV2 = late.stream().filter(r -> r.value().version() != 1)
                .map(r -> r.key() + " v" + r.value().version() + " at +" + (r.timestamp() - rolledBackAt) + " ms").toList();
        long lastV2 = out.answers().values().stream().filter(r -> r.value().version() == 2)
                .mapToLong(ConsumerRecord::timestamp).max().orElse(rolledBackAt);
        ReliabilityTable.record(new ReliabilityTable.Row("23-rollback-under-load", "Rollback to the previous production "
                + "version under steady load, one of two inference workers SIGKILLed right after it", INPUTS
                + " requests at " + PER_SECOND + "/s", out.answered() + " answered " + out.byOutcome(), out.lost().size(),
                out.duplicated().size(), ReliabilityTable.seconds(Math.max(0, lastV2 - rolledBackAt)),
                "time to the last answer by the rolled-back version"));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(out.lost()).as("unanswered requests").isEmpty();
        assertThat(out.duplicated()).as("requests answered twice").isEmpty();
        assertThat(out.exactlyOnce()).isTrue();
        assertThat(out.answers().values()).allSatisfy(r -> assertThat(r.value().route()).isEqualTo("production"));
        assertThat(late).as("answers sent more than 5 s after the rollback").isNotEmpty();
        assertThat(lateFromV2).as("answers by version 2 more than 5 s after the rollback").isEmpty();
    }
}
