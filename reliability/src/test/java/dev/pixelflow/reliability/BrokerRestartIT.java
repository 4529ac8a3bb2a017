package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.BrokerProcess;
import dev.pixelflow.testkit.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The single-node broker is killed with SIGKILL under ingest and inference traffic and started again on the same
 * ports and data dir after {@value #DOWN_SECONDS} s: both workers reconnect by themselves (same processes, no
 * restart), and every input is still handled exactly once.
 */
@Tag("fault")
class BrokerRestartIT {
    private static final int INPUTS = 2_000;
    private static final int PER_SECOND = 100;
    private static final long DOWN_SECONDS = 10;
    private static final long SEED = 30L;

    @Test
    void workersReconnectByThemselvesAfterTheBrokerComesBack() throws Exception {
        List<String> stops = new ArrayList<>();
        Path work = Files.createDirectories(Path.of("target", "broker-restart").toAbsolutePath());
        Path dataDir = Files.createTempDirectory(work, "single-");
        try (BrokerProcess broker = BrokerProcess.startSingle("single-broker", dataDir)) {
            String bootstrap = broker.bootstrapServers();
            String prefix = "restart-" + System.nanoTime() + ".";
            Topics topics = Scenarios.createTopics(bootstrap, prefix);
            Models.publish(bootstrap, topics, 1);
            List<Inputs.Input> raw = Inputs.make("restart-raw", INPUTS, 0.10, SEED);
            List<Inputs.Input> requests = Inputs.make("restart-req", INPUTS, 0.10, SEED + 1);
            long ingestRecovery;
            long inferenceRecovery;
            long restartedAt;
            try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest"));
                 JavaProcess inference = Workers.inference(Scenarios.LOGS, Workers.env(bootstrap, prefix, "inference"));
                 OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name(), topics.imagesDlq.name()));
                 OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()));
                 Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), PER_SECOND);
                 Load requestLoad = new Load("request-client", bootstrap, requests,
                         in -> Inputs.request(topics.classifyRequests.name(), in, null), PER_SECOND)) {
                long ingestPid = ingest.pid();
                long inferencePid = inference.pid();
                Scenarios.awaitAssigned(ingest, inference);
                rawLoad.start();
                requestLoad.start();
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                        .failFast("a worker exited", () -> !ingest.isAlive() || !inference.isAlive())
                        .until(() -> tensors.count() >= INPUTS / 4 && answers.count() >= INPUTS / 4);
                assertThat(rawLoad.sent()).as("raw inputs still being sent at the fault").isLessThan(INPUTS);
                assertThat(requestLoad.sent()).as("requests still being sent at the fault").isLessThan(INPUTS);
                long killedAt = System.currentTimeMillis();
                broker.kill();
                // The outage itself: a fixed time without a broker, not synchronisation.
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(DOWN_SECONDS));
                assertThat(ingest.isAlive()).as("ingest worker alive while the broker is down").isTrue();
                assertThat(inference.isAlive()).as("inference worker alive while the broker is down").isTrue();
                broker.restart();
                restartedAt = System.currentTimeMillis();
                await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                        .failFast("a worker exited", Scenarios.noneExited(ingest, inference))
                        .until(() -> tensors.count() >= INPUTS && answers.count() >= INPUTS);
                ingestRecovery = tensors.recoveredAfter(restartedAt);
                inferenceRecovery = answers.recoveredAfter(restartedAt);
                assertThat(rawLoad.failure()).as("raw client").isNull();
                assertThat(requestLoad.failure()).as("request client").isNull();
                assertThat(ingest.pid()).as("same ingest process").isEqualTo(ingestPid);
                assertThat(inference.pid()).as("same inference process").isEqualTo(inferencePid);
                stops.add("ingest " + Scenarios.stopCleanly(ingest));
                stops.add("inference " + Scenarios.stopCleanly(inference));
                System.out.printf("broker restart: down %d s, killed at %d%n", DOWN_SECONDS, killedAt);
            }
            Invariants.IngestOutcome in = Invariants.ingest(bootstrap, topics, raw);
            Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
            ReliabilityTable.record(new ReliabilityTable.Row("10-broker-restart", "Single-node broker SIGKILLed, back after "
                    + DOWN_SECONDS + " s; workers not restarted", INPUTS + " raw images + " + INPUTS
                    + " requests (10% poison), " + PER_SECOND + "/s each", in.ingested() + " tensors + " + in.deadLetter()
                    + " DLQ; " + out.answered() + " answered", in.lost().size() + out.lost().size(),
                    in.duplicated().size() + out.duplicated().size(), "ingest " + ReliabilityTable.seconds(ingestRecovery)
                    + ", inference " + ReliabilityTable.seconds(inferenceRecovery) + " after the broker was back",
                    "both workers reconnected by themselves"));
            assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
            assertThat(in.exactlyOnce()).as("raw images: lost %s, duplicated %s", in.lost(), in.duplicated()).isTrue();
            assertThat(out.exactlyOnce()).as("requests: lost %s, duplicated %s", out.lost(), out.duplicated()).isTrue();
            assertThat(in.goodInDlq()).isEmpty();
            assertThat(out.goodFailed()).isEmpty();
        }
    }
}
