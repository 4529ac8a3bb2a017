package dev.pixelflow.cli;

import dev.pixelflow.cli.commands.AclsCommand;
import dev.pixelflow.cli.commands.ClassifyCommand;
import dev.pixelflow.cli.commands.DemoCommand;
import dev.pixelflow.cli.commands.ReportCommand;
import dev.pixelflow.cli.commands.EvalCommand;
import dev.pixelflow.cli.commands.DownCommand;
import dev.pixelflow.cli.commands.IngestCommand;
import dev.pixelflow.cli.commands.UpCommand;
import dev.pixelflow.cli.commands.ModelsCommand;
import dev.pixelflow.cli.commands.TrainCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the client commands of {@code bin/pixelflow}; the broker and workers have their own jars. */
@Command(name = "pixelflow", mixinStandardHelpOptions = true, version = "pixelflow 0.1.0",
        description = "Train and serve image classifiers over Kafka.",
        subcommands = {IngestCommand.class, TrainCommand.class, ModelsCommand.class, ClassifyCommand.class, EvalCommand.class,
                DemoCommand.class, ReportCommand.class, UpCommand.class, DownCommand.class, AclsCommand.class})
public final class PixelflowCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new PixelflowCli());
        if (args.length == 1 && args[0].equals("--list-commands")) {
            PrintWriter out = new PrintWriter(System.out, true);
            cli.getSubcommands().forEach((name, sub) -> out.printf("  %-40s %s%n", name,
                    String.join(" ", sub.getCommandSpec().usageMessage().description())));
            return 0;
        }
        String unknown = unknownCommand(cli, args);
        if (unknown != null) {
            // Checked before picocli parses: it would let a --help after the unknown word print the top-level help
            // and exit 0, as if the command existed.
            cli.getErr().println("pixelflow: unknown command '" + unknown + "'; the commands are "
                    + String.join(", ", cli.getSubcommands().keySet()));
            cli.getErr().println("(see: bin/pixelflow --help)");
            return 2;
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // One clear line; the stack trace only when asked for.
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": "
                    + CliErrors.message(e, kafkaOptions(commandLine.getCommandSpec())));
            if (System.getenv("PIXELFLOW_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            // qualifiedName is "pixelflow" at the top and "pixelflow ingest" for a command: never the name twice.
            String name = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println(name + ": " + e.getMessage());
            e.getCommandLine().getErr().println("(see: bin/" + name + " --help)");
            return 2;
        });
        return cli.execute(args);
    }

    /** The command's {@link KafkaOptions}, directly or inside one of its mixins, or null when it has none. */
    static KafkaOptions kafkaOptions(CommandLine.Model.CommandSpec spec) {
        for (CommandLine.Model.CommandSpec mixin : spec.mixins().values()) {
            if (mixin.userObject() instanceof KafkaOptions kafka) {
                return kafka;
            }
            KafkaOptions nested = kafkaOptions(mixin);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    /** The first argument when it is a word that names no command (options are left to picocli), else null. */
    static String unknownCommand(CommandLine cli, String... args) {
        if (args.length == 0 || args[0].startsWith("-") || cli.getSubcommands().containsKey(args[0])) {
            return null;
        }
        return args[0];
    }
}
