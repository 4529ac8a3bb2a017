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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 10,000 raw images and 10,000 classify requests, 10 % of each generated corruptions of real photos (truncations,
 * bit flips, wrong headers, 65,000² frame headers, empty values, non-images), through one ingest and one inference
 * worker at once: every input ends up exactly once, no worker stops, and heap after GC stays flat.
 */
@Tag("slow-fault")
@ExtendWith(KafkaBrokerExtension.class)
class PoisonVolumeIT {
    private static final int INPUTS = 10_000;
    private static final long SEED = 10L;

    @Test
    void tenPercentPoisonAtVolumeStopsNothingAndLosesNothing(KafkaTestBroker broker) throws Exception {
        List<String> stops = new ArrayList<>();
        String bootstrap = broker.bootstrapServers();
        String prefix = broker.uniqueName("poison") + ".";
        Topics topics = Scenarios.createTopics(bootstrap, prefix);
        Models.publish(bootstrap, topics, 1);
        List<Inputs.Input> raw = Inputs.make("poison-raw", INPUTS, 0.10, SEED);
        List<Inputs.Input> requests = Inputs.make("poison-req", INPUTS, 0.10, SEED + 1);
        long started = System.nanoTime();
        List<Long> ingestHeap = new ArrayList<>();
        List<Long> inferenceHeap = new ArrayList<>();
        try (JavaProcess ingest = Workers.ingest(Scenarios.LOGS, Workers.env(bootstrap, prefix, "ingest"));
             JavaProcess inference = Workers.inference(Scenarios.LOGS, Workers.env(bootstrap, prefix, "inference"));
             OutputWatch tensors = new OutputWatch(bootstrap, List.of(topics.tensors.name(), topics.imagesDlq.name()));
             OutputWatch answers = new OutputWatch(bootstrap, List.of(topics.classifyResults.name()));
             Load rawLoad = new Load("raw-client", bootstrap, raw, in -> Inputs.raw(topics.imagesRaw.name(), in), 0);
             Load requestLoad = new Load("request-client", bootstrap, requests,
                     in -> Inputs.request(topics.classifyRequests.name(), in, null), 0)) {
            rawLoad.start();
            requestLoad.start();
            for (double share : new double[] {0.3, 0.65, 1.0}) {
                int target = (int) (INPUTS * share);
                await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500))
                        .failFast("a worker exited", Scenarios.noneExited(ingest, inference))
                        .until(() -> tensors.count() >= target && answers.count() >= target);
                ingestHeap.add(ingest.heapAfterGc());
                inferenceHeap.add(inference.heapAfterGc());
            }
            assertThat(rawLoad.failure()).isNull();
            assertThat(requestLoad.failure()).isNull();
            stops.add("ingest " + Scenarios.stopCleanly(ingest));
            stops.add("inference " + Scenarios.stopCleanly(inference));
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        Invariants.IngestOutcome in = Invariants.ingest(bootstrap, topics, raw);
        Invariants.AnswerOutcome out = Invariants.answers(bootstrap, topics, requests);
        String ingestMemory = "heap after GC " + ingestHeap.stream().map(Scenarios::mib).collect(Collectors.joining(" → "));
        String inferenceMemory = "heap after GC " + inferenceHeap.stream().map(Scenarios::mib).collect(Collectors.joining(" → "));
        ReliabilityTable.record(new ReliabilityTable.Row("40-poison-ingest", "Poison at volume: ingest",
                INPUTS + " raw images, " + raw.stream().filter(Inputs.Input::bad).count() + " corrupted",
                in.ingested() + " tensors + " + in.deadLetter() + " DLQ " + in.dlqByReason(), in.lost().size(),
                in.duplicated().size(), "n/a (no stop)", ingestMemory + "; both workers together " + seconds + " s"));
        ReliabilityTable.record(new ReliabilityTable.Row("41-poison-inference", "Poison at volume: inference",
                INPUTS + " requests, " + requests.stream().filter(Inputs.Input::bad).count() + " corrupted",
                out.answered() + " answered " + out.byOutcome(), out.lost().size(), out.duplicated().size(),
                "n/a (no stop)", inferenceMemory));
        assertThat(stops).as("workers stopped cleanly").allMatch(s -> s.endsWith(" clean"));
        assertThat(in.exactlyOnce()).as("every raw image exactly once in tensors or DLQ: lost %s, duplicated %s",
                first(in.lost()), first(in.duplicated())).isTrue();
        assertThat(in.goodInDlq()).as("good photos dead-lettered").isEmpty();
        assertThat(in.badIngested()).as("poison taken for images").isEmpty();
        assertThat(out.exactlyOnce()).as("every request answered exactly once: lost %s, duplicated %s",
                first(out.lost()), first(out.duplicated())).isTrue();
        assertThat(out.goodFailed()).as("good photos answered with an error").isEmpty();
        assertThat(out.badOk()).as("poison classified").isEmpty();
        assertThat(Invariants.heapStable(ingestHeap)).as("ingest " + ingestMemory).isTrue();
        assertThat(Invariants.heapStable(inferenceHeap)).as("inference " + inferenceMemory).isTrue();
    }

    private static List<String> first(List<String> ids) {
        return ids.subList(0, Math.min(10, ids.size()));
    }
}
