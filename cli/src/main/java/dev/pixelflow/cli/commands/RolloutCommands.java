package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.cli.rollout.ServingFigures;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutChange;
import dev.pixelflow.common.rollout.RolloutControl;
import dev.pixelflow.common.rollout.RolloutRule;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.Topics;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code models promote|rollback|canary|shadow|rule|status}: the rollout of one model, kept on {@code models.rollout}
 * and applied by every inference worker between batches.
 */
final class RolloutCommands {
    private RolloutCommands() {
    }

    /** {@code --reason} and the Kafka options, shared by the commands that change a rollout. */
    static final class Change {
        @Mixin
        KafkaOptions kafka;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept with the change (who and when are added)")
        String reason;

        RolloutControl control() {
            KafkaClients clients = kafka.clients("rollout");
            Topics topics = kafka.topics();
            kafka.ensureTopics(clients, topics);
            return new RolloutControl(new ModelCatalog(clients, topics.models.name()),
                    new RolloutCatalog(clients, topics.modelsRollout.name()));
        }
    }

    /** {@code NAME:VERSION} as the rollout commands take it. */
    record VersionRef(String name, int version) {
        static VersionRef parse(String text) {
            int colon = text == null ? -1 : text.lastIndexOf(':');
            if (colon < 1 || colon == text.length() - 1) {
                throw new IllegalArgumentException("expected NAME:VERSION (e.g. cats-dogs:3), got '" + text + "'");
            }
            try {
                int v = Integer.parseInt(text.substring(colon + 1));
                if (v < 1) {
                    throw new NumberFormatException();
                }
                return new VersionRef(text.substring(0, colon), v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected NAME:VERSION with a version >= 1, got '" + text + "'");
            }
        }
    }

    /**
     * Every kept change of the model, oldest first: when, what, who ({@code user@host}, or the trainer instance),
     * what changed (for a published version: the numbers the rule compared) and the operator's reason.
     */
    static List<String> changeLines(RolloutState s) {
        List<String> lines = new ArrayList<>();
        if (s.history().size() >= RolloutState.HISTORY_KEPT) {
            lines.add("(earlier changes are not kept: the state holds the last " + (RolloutState.HISTORY_KEPT + 1) + ")");
        }
        for (RolloutChange c : s.changes()) {
            lines.add(String.format(Locale.ROOT, "%-20s  %-11s  %-20s  %s%s",
                    c.at() == null ? "-" : c.at().truncatedTo(ChronoUnit.SECONDS), c.action(), c.by() == null ? "-" : c.by(),
                    c.detail() == null ? "" : c.detail(),
                    c.reason() == null || c.reason().isBlank() ? "" : " (reason: " + c.reason() + ")"));
        }
        if (lines.isEmpty()) {
            lines.add("(none)");
        }
        return lines;
    }

    static void printChange(CommandSpec spec, RolloutState s) {
        spec.commandLine().getOut().printf("%s: %s%n", s.model(), s.change() == null ? "" : s.change().detail());
        spec.commandLine().getOut().flush();
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make NAME:VERSION the production version.")
    static final class Promote implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Change change;

        @Parameters(index = "0", paramLabel = "NAME:VERSION")
        String ref;

        @Override
        public Integer call() {
            VersionRef v = VersionRef.parse(ref);
            printChange(spec, change.control().promote(v.name(), v.version(), change.reason));
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Put the previous production version back.")
    static final class Rollback implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Change change;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            printChange(spec, change.control().rollback(name, change.reason));
            return 0;
        }
    }

    @Command(name = "canary", mixinStandardHelpOptions = true,
            description = "Send --weight percent of NAME's requests (by request id) to NAME:VERSION; or --stop.")
    static final class Canary implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Change change;

        @Parameters(index = "0", paramLabel = "NAME:VERSION|NAME")
        String ref;

        @ArgGroup(multiplicity = "1")
        Mode mode;

        static final class Mode {
            @Option(names = "--weight", paramLabel = "PERCENT", description = "0 to 100")
            Integer weight;

            @Option(names = "--stop", description = "end the canary: production answers every request")
            boolean stop;
        }

        @Override
        public Integer call() {
            RolloutControl control = change.control();
            if (mode.stop) {
                printChange(spec, control.stopCanary(ref.contains(":") ? VersionRef.parse(ref).name() : ref, change.reason));
            } else {
                VersionRef v = VersionRef.parse(ref);
                printChange(spec, control.canary(v.name(), v.version(), mode.weight, change.reason));
            }
            return 0;
        }
    }

    @Command(name = "shadow", mixinStandardHelpOptions = true,
            description = "Run NAME:VERSION beside production, answers to classify.shadow only; or --stop.")
    static final class Shadow implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Change change;

        @Parameters(index = "0", paramLabel = "NAME:VERSION|NAME")
        String ref;

        @Option(names = "--stop", description = "end the shadow")
        boolean stop;

        @Override
        public Integer call() {
            RolloutControl control = change.control();
            if (stop) {
                printChange(spec, control.stopShadow(ref.contains(":") ? VersionRef.parse(ref).name() : ref, change.reason));
            } else {
                VersionRef v = VersionRef.parse(ref);
                printChange(spec, control.shadow(v.name(), v.version(), change.reason));
            }
            return 0;
        }
    }

    @Command(name = "rule", mixinStandardHelpOptions = true,
            description = "How newly published versions of NAME become production: newest, better (by --margin) or manual.")
    static final class Rule implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Change change;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "newest|better|manual")
        String rule;

        @Option(names = "--margin", paramLabel = "ACC", defaultValue = "0.0",
                description = "under better: validation accuracy a new version must add to production's (default: 0)")
        double margin;

        @Override
        public Integer call() {
            printChange(spec, change.control().rule(name, RolloutRule.parse(rule), margin, change.reason));
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Production, canary, shadow and rule of NAME, with live figures per version.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--recent", paramLabel = "N", defaultValue = "20000",
                description = "answers read back per partition of the results and shadow topics (default: 20000)")
        int recent;

        @Override
        public Integer call() {
            KafkaClients clients = kafka.clients("rollout");
            Topics topics = kafka.topics();
            kafka.ensureTopics(clients, topics);
            RolloutState s = new RolloutCatalog(clients, topics.modelsRollout.name()).states().get(name);
            java.io.PrintWriter out = spec.commandLine().getOut();
            if (s == null) {
                out.printf("%s: no rollout state; the newest version serves (rule newest)%n", name);
            } else {
                out.printf("model       %s%n", name);
                out.printf("production  %s%n", s.production() == null ? "(none)" : name + ":" + s.production());
                out.printf("canary      %s%n", s.canary() == null ? "(none)" : name + ":" + s.canary() + " at "
                        + s.canaryWeight() + "%");
                out.printf("shadow      %s%n", s.shadow() == null ? "(none)" : name + ":" + s.shadow());
                out.printf(Locale.ROOT, "rule        %s%s%n", s.rule().word(),
                        s.rule() == RolloutRule.BETTER ? String.format(Locale.ROOT, " (margin %.4f)", s.margin()) : "");
                out.printf("previous    %s%n", s.previous().isEmpty() ? "(none)" : s.previous());
                out.printf("%nchanges, newest last:%n");
                changeLines(s).forEach(l -> out.printf("  %s%n", l));
            }
            ServingFigures f = ServingFigures.read(clients, topics.classifyResults.name(), topics.classifyShadow.name(),
                    name, recent);
            Map<String, ServingFigures.Line> lines = f.lines();
            if (lines.isEmpty()) {
                out.printf("no recent answers of %s on %s%n", name, topics.classifyResults.name());
                out.flush();
                return 0;
            }
            out.printf("%nrecent answers on %s and %s:%n", topics.classifyResults.name(), topics.classifyShadow.name());
            out.printf("%-20s %10s %7s %9s %8s %8s %10s%n", "VERSION/ROUTE", "REQUESTS", "SHARE", "MEAN_CONF", "P50_MS",
                    "P99_MS", "AGREEMENT");
            lines.forEach((key, l) -> {
                boolean shadow = key.endsWith("/shadow");
                String agreement = "";
                if (shadow) {
                    ServingFigures.Agreement a = f.agreement(Integer.parseInt(key.substring(0, key.indexOf('/'))));
                    agreement = String.format(Locale.ROOT, "%.1f%%", 100 * a.rate());
                }
                out.printf(Locale.ROOT, "%-20s %10d %7s %9.4f %8d %8d %10s%n", name + ":" + key, l.requests(),
                        shadow ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * l.requests() / f.total()),
                        l.meanConfidence(), l.latencyPercentile(0.5), l.latencyPercentile(0.99), agreement);
            });
            out.flush();
            return 0;
        }
    }
}
