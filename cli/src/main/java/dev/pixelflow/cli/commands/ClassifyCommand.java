package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.Progress;
import dev.pixelflow.cli.classify.ClassifyClient;
import dev.pixelflow.cli.classify.ClassifyOptions;
import dev.pixelflow.cli.classify.ClassifyOutput;
import dev.pixelflow.cli.classify.ImageSetSource;
import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pixelflow classify FILE|DIR...}: asks the inference workers, over Kafka, what each image shows. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify images through the inference workers: one line per image (file, label, confidence, model:version).")
public final class ClassifyCommand implements Callable<Integer> {
    /** Below this, the answer lines are progress enough. */
    private static final int PROGRESS_FROM = 20;

    @Mixin
    ClassifyOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "image files, folders (recursive), or IDX images files")
    List<Path> paths;

    @Option(names = "--json", description = "one JSON object per image instead of text lines")
    boolean json;

    @Option(names = "--class-names", split = ",", paramLabel = "NAME",
            description = "class names of IDX label indices (only used to name IDX images)")
    List<String> classNames;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageSet set = ImageSet.scan(paths, LabelRule.NONE, null, classNames);
        if (set.size() == 0) {
            err.println("pixelflow classify: no files found in " + paths);
            return 1;
        }
        ClassifyClient client = options.client("classify");
        // With results on a terminal the lines are the progress; with them in a file or pipe, show a bar on stderr.
        Progress progress = set.size() >= PROGRESS_FROM && System.console() == null
                ? new Progress(System.err, "classify", set.size()) : null;
        ClassifyClient.Summary summary = client.run(ImageSetSource.all(set), o -> {
            out.println(json ? ClassifyOutput.json(o) : ClassifyOutput.line(o));
            out.flush();
            if (progress != null) {
                progress.step(1);
            }
        });
        if (progress != null) {
            progress.finish();
        }
        if (summary.transportFailures()) {
            err.printf("pixelflow classify: %d of %d images got no answer (%d timed out, %d could not be sent)%n",
                    summary.timedOut() + summary.sendFailed(), set.size(), summary.timedOut(), summary.sendFailed());
            return 1;
        }
        return 0;
    }
}
