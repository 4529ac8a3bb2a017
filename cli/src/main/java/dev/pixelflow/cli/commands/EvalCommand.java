package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.classify.ClassifyClient;
import dev.pixelflow.cli.classify.ClassifyOptions;
import dev.pixelflow.cli.classify.EvalReport;
import dev.pixelflow.cli.classify.ImageSetSource;
import dev.pixelflow.cli.report.HeldOutEvaluation;
import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import dev.pixelflow.common.message.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import dev.pixelflow.cli.convert.LabelRuleConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pixelflow eval DIR|IDX}: accuracy of the served model on a labelled set, through the same Kafka path. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Classify a labelled folder or IDX file through the inference workers and report accuracy, "
                + "per-class precision/recall and the confusion matrix.")
public final class EvalCommand implements Callable<Integer> {
    private static final int PROGRESS_FROM = 20;

    @Mixin
    ClassifyOptions options;

    @Parameters(arity = "1..*", paramLabel = "DIR|IDX", description = "labelled folders, image files, or IDX images files (labels file beside them)")
    List<Path> paths;

    @Option(names = "--labels", defaultValue = "filename", paramLabel = "RULE",
            description = "where a file's true label comes from: filename (dog.1.jpg -> dog) or folder (cats/x.jpg -> cats); "
                    + "IDX files use their labels file; default ${DEFAULT-VALUE}", converter = LabelRuleConverter.class)
    LabelRule labels;

    @Option(names = "--class-names", split = ",", paramLabel = "NAME",
            description = "class names of IDX label indices (default: Fashion-MNIST's for Fashion-MNIST files, else the digits)")
    List<String> classNames;

    @Option(names = "--limit", paramLabel = "N", description = "evaluate a random sample of N images (same sample for the same --seed)")
    Integer limit;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "seed of the --limit sample (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LabelRule rule = labels;
        if (rule == LabelRule.NONE) {
            throw new IllegalArgumentException("--labels: evaluation needs labels: filename or folder");
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        ImageSet set = ImageSet.scan(paths, rule, null, classNames);
        if (set.size() == 0) {
            err.println("pixelflow eval: no files found in " + paths);
            return 1;
        }
        ImageSetSource source = limit == null ? ImageSetSource.all(set) : ImageSetSource.sample(set, limit, seed);
        ClassifyClient client = options.client("eval");
        HeldOutEvaluation.Result result = HeldOutEvaluation.run(client, source, false,
                source.size() >= PROGRESS_FROM ? System.err : null);
        EvalReport report = result.report();
        ClassifyClient.Summary summary = result.summary();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(report.toJson()));
        } else {
            out.print(report.toText());
        }
        out.flush();
        if (summary.transportFailures()) {
            err.printf("pixelflow eval: %d of %d images got no answer (%d timed out, %d could not be sent)%n",
                    summary.timedOut() + summary.sendFailed(), source.size(), summary.timedOut(), summary.sendFailed());
            return 1;
        }
        if (report.count() == 0) {
            err.println("pixelflow eval: no labelled image was classified; nothing to report");
            return 1;
        }
        return 0;
    }
}
