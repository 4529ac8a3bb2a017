package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.classify.ClassifyClient;
import dev.pixelflow.cli.classify.ImageSetSource;
import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import dev.pixelflow.cli.report.HeldOutEvaluation;
import dev.pixelflow.cli.report.ReportWriter;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelCatalog;
import java.util.Locale;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The demo's waiting and measuring steps, kept apart from its orchestration. */
final class DemoSteps {
    private DemoSteps() {
    }

    /** What the demo prints and links at the end. */
    record Evaluation(int count, double accuracy, List<String> examples, Path report) {
    }

    /** Classifies held-out images through classify.requests and writes the report. */
    static Evaluation evaluate(KafkaClients clients, Topics topics, Path testPath, LabelRule labels, String modelRef, int limit,
                               Path runDir) throws Exception {
        ImageSet set = ImageSet.scan(List.of(testPath), labels, null, null);
        ImageSetSource source = ImageSetSource.sample(set, limit, 42);
        awaitServing(clients, topics, source, modelRef, Duration.ofMinutes(2));
        HeldOutEvaluation.Result result = HeldOutEvaluation.run(clients, topics, source, modelRef, Duration.ofSeconds(60));
        if (result.report().count() == 0) {
            throw new IllegalStateException("no held-out image was classified (" + result.summary() + ")");
        }
        ModelVersion version = new ModelCatalog(clients, topics.models.name()).load(modelRef)
                .orElseThrow(() -> new IllegalStateException(modelRef + " is not on the models topic")).version();
        Path report = ReportWriter.write(version, result.predictions(), runDir.resolve("report"));
        List<String> examples = result.predictions().stream().limit(8).map(p -> String.format(Locale.ROOT,
                "%-40s true %-12s predicted %-12s %.3f %s", shorten(p.name()), p.trueLabel(), p.predictedLabel(), p.confidence(),
                p.correct() ? "ok" : "WRONG")).toList();
        return new Evaluation(result.report().count(), result.report().accuracy(), examples, report);
    }

    /**
     * The version was just published; the inference worker loads it in the background. Probe with one image until
     * it answers with that version, so no held-out image is counted as an error of the swap.
     */
    private static void awaitServing(KafkaClients clients, Topics topics, ImageSetSource source, String modelRef, Duration timeout)
            throws InterruptedException {
        ClassifyClient probe = new ClassifyClient(clients, topics.classifyRequests.name(), topics.classifyResults.name(),
                modelRef, Duration.ofSeconds(30), 1);
        ClassifyClient.Source one = new ClassifyClient.Source() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public ClassifyClient.Item item(int index) {
                return source.item(0);
            }
        };
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean[] ok = new boolean[1];
            probe.run(one, o -> ok[0] = o.status() == ClassifyClient.Status.ANSWERED && o.result().ok());
            if (ok[0]) {
                return;
            }
            Thread.sleep(1000); // the worker is still loading the version; ask again
        }
        throw new IllegalStateException("the inference worker did not serve " + modelRef + " within " + timeout.toSeconds() + " s");
    }

    private static String shorten(String name) {
        return name.length() <= 40 ? name : "..." + name.substring(name.length() - 37);
    }
}
