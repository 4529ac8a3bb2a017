package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.Json;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.imaging.HistoryPlot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pixelflow models [export|plot|promote|rollback|canary|shadow|rule|status]}: the published model versions,
 * read from the models topic, and their rollout.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List published model versions; export or plot one; promote, canary, shadow, roll back.",
        subcommands = {ModelsCommand.Export.class, ModelsCommand.Plot.class, RolloutCommands.Promote.class,
                RolloutCommands.Rollback.class, RolloutCommands.Canary.class, RolloutCommands.Shadow.class,
                RolloutCommands.Rule.class, RolloutCommands.Status.class})
public final class ModelsCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--json", description = "one JSON manifest per line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<ModelVersion> versions = new ModelCatalog(kafka.clients("models"), kafka.topics().models.name()).versions();
        if (json) {
            for (ModelVersion v : versions) {
                System.out.println(Json.MAPPER.writeValueAsString(v));
            }
            return 0;
        }
        if (versions.isEmpty()) {
            System.out.println("no model versions on " + kafka.topics().models.name() + " yet");
            return 0;
        }
        System.out.printf("%-28s %-20s %-10s %6s %8s %8s %8s %9s%n", "MODEL:VERSION", "CREATED", "INPUT", "EPOCHS", "ACC",
                "VAL_ACC", "VAL_LOSS", "SIZE");
        for (ModelVersion v : versions) {
            EpochMetrics m = v.last();
            System.out.printf(Locale.ROOT, "%-28s %-20s %-10s %6d %8s %8s %8s %8.1fM%n", v.ref(),
                    v.createdAt().toString().substring(0, 19).replace('T', ' '), v.inputShape(), v.epochs(),
                    m == null ? "-" : String.format(Locale.ROOT, "%.4f", m.trainAccuracy()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.4f", m.valAccuracy()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.4f", m.valLoss()), v.artifactSize() / 1e6);
        }
        return 0;
    }

    static ModelCatalog.Loaded load(KafkaOptions kafka, String ref) {
        return new ModelCatalog(kafka.clients("models"), kafka.topics().models.name()).load(ref)
                .orElseThrow(() -> new IllegalArgumentException("no model version " + ref + " on " + kafka.topics().models.name()
                        + " (see: bin/pixelflow models)"));
    }

    /** {@code models export NAME:VERSION FILE}. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write a version's artifact (engine file) to FILE.")
    static final class Export implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Parameters(index = "0", paramLabel = "NAME[:VERSION]")
        String ref;

        @Parameters(index = "1", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws Exception {
            ModelCatalog.Loaded loaded = load(kafka, ref);
            Files.write(file, loaded.artifact());
            System.out.printf("wrote %s (%d bytes, sha256 %s) to %s%n", loaded.version().ref(), loaded.artifact().length,
                    loaded.version().artifactSha256(), file);
            return 0;
        }
    }

    /** {@code models plot NAME:VERSION FILE.png}. */
    @Command(name = "plot", mixinStandardHelpOptions = true, description = "Draw accuracy and loss per epoch of a version to a PNG.")
    static final class Plot implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Parameters(index = "0", paramLabel = "NAME[:VERSION]")
        String ref;

        @Parameters(index = "1", paramLabel = "FILE.png")
        Path file;

        @Override
        public Integer call() throws Exception {
            ModelVersion v = load(kafka, ref).version();
            HistoryPlot.write(v.history(), v.ref(), file);
            System.out.printf("wrote the history of %s (%d epochs) to %s%n", v.ref(), v.history().size(), file);
            return 0;
        }
    }
}
