package dev.pixelflow.cli.report;

import dev.pixelflow.cli.Progress;
import dev.pixelflow.cli.classify.ClassifyClient;
import dev.pixelflow.cli.classify.ClassifyOptions;
import dev.pixelflow.cli.classify.EvalReport;
import dev.pixelflow.cli.classify.ImageSetSource;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Classifies labelled images through {@code classify.requests} and keeps what a report shows: the evaluation
 * figures and, per image, its bytes with the true and predicted label. Shared by {@code demo} and {@code report}.
 */
public final class HeldOutEvaluation {
    /** The figures, the per-image predictions, and how the transport went. */
    public record Result(EvalReport report, List<Prediction> predictions, ClassifyClient.Summary summary) {
    }

    private HeldOutEvaluation() {
    }

    public static Result run(KafkaClients clients, Topics topics, ImageSetSource source, String modelRef, Duration timeout)
            throws InterruptedException {
        ClassifyClient client = new ClassifyClient(clients, topics.classifyRequests.name(), topics.classifyResults.name(),
                modelRef, timeout, ClassifyOptions.MAX_IN_FLIGHT);
        return run(client, source, true, System.out);
    }

    /**
     * @param keepImages keep each classified image's bytes for a report's grid
     * @param progressOut where the progress bar goes, or null for none
     */
    public static Result run(ClassifyClient client, ImageSetSource source, boolean keepImages, java.io.PrintStream progressOut)
            throws InterruptedException {
        EvalReport report = new EvalReport();
        List<Prediction> predictions = new ArrayList<>();
        Progress progress = progressOut == null ? null : new Progress(progressOut, "classify", source.size());
        ClassifyClient.Summary summary = client.run(source, o -> {
            if (progress != null) {
                progress.step(1);
            }
            switch (o.status()) {
                case SKIPPED -> report.skipped();
                case TIMED_OUT -> report.timedOut();
                case SEND_FAILED -> report.sendFailed();
                case ANSWERED -> {
                    ClassifyResult r = o.result();
                    String truth = source.label(o.index());
                    if (!r.ok()) {
                        report.error(r.error());
                    } else if (truth == null) {
                        report.unlabelled();
                    } else {
                        report.add(truth, r.label(), r.model(), r.version());
                        ClassifyClient.Item item = keepImages ? source.item(o.index()) : null;
                        if (item != null && item.image() != null) {
                            predictions.add(new Prediction(o.name(), item.image(), truth, r.label(),
                                    r.confidence() == null ? 0 : r.confidence()));
                        }
                    }
                }
            }
        });
        if (progress != null) {
            progress.finish();
        }
        return new Result(report, predictions, summary);
    }
}
