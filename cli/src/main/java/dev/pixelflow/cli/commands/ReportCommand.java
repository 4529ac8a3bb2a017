package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.cli.classify.ImageSetSource;
import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import dev.pixelflow.cli.report.HeldOutEvaluation;
import dev.pixelflow.cli.report.ReportWriter;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import dev.pixelflow.cli.convert.LabelRuleConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pixelflow report NAME:VERSION --data DIR}: the HTML report of a version, its images classified through Kafka. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write an HTML report of a model version: curves, confusion matrix, and a grid of classified images.")
public final class ReportCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "NAME[:VERSION]")
    String ref;

    @Option(names = "--data", required = true, paramLabel = "DIR|IDX", description = "labelled images to classify")
    Path data;

    @Option(names = "--labels", defaultValue = "filename", description = "filename or folder (default ${DEFAULT-VALUE})", converter = LabelRuleConverter.class)
    LabelRule labels;

    @Option(names = "--limit", defaultValue = "500", description = "classify a random sample of at most N images (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--out", defaultValue = "report", paramLabel = "DIR", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        KafkaClients clients = kafka.clients("report");
        Topics topics = kafka.topics();
        ModelVersion version = new ModelCatalog(clients, topics.models.name()).load(ref)
                .orElseThrow(() -> new IllegalArgumentException("no model version " + ref + " (see: bin/pixelflow models)")).version();
        ImageSet set = ImageSet.scan(List.of(data), labels, null, null);
        HeldOutEvaluation.Result result = HeldOutEvaluation.run(clients, topics, ImageSetSource.sample(set, limit, 42),
                version.ref(), Duration.ofSeconds(60));
        if (result.report().count() == 0) {
            throw new IllegalStateException("no image was classified (" + result.summary() + "); is an inference worker running?");
        }
        Path index = ReportWriter.write(version, result.predictions(), out);
        System.out.printf(Locale.ROOT, "accuracy %.2f%% on %d images with %s; report: %s%n", 100 * result.report().accuracy(),
                result.report().count(), version.ref(), index.toAbsolutePath());
        return 0;
    }
}
