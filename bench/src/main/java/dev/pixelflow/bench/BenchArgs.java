package dev.pixelflow.bench;

import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * The command line of {@code pixelflow bench}: which benchmark, and how.
 *
 * @param bench  one of {@link #BENCHES}
 * @param quick  a short run (a minute or two each on a 2-core machine) instead of the full one
 * @param json   print one JSON object instead of {@code name value unit} lines
 */
public record BenchArgs(String bench, boolean quick, boolean json) {
    public static final List<String> BENCHES = List.of("ingest", "train", "infer", "engine");

    public static final String USAGE = """
            usage: bin/pixelflow bench ingest|train|infer|engine [--quick] [--json]

              ingest   decode+resize loop vs the ingest worker on an embedded broker (images/s)
              train    DL4J fit on in-memory floats vs the trainer worker's epochs with augmentation (images/s)
              infer    engine.output() vs the inference worker at batch 1, 8, 32 (requests/s, p50/p99 latency)
              engine   the reference network: DL4J SameDiff vs MultiLayerNetwork vs PyTorch, train and infer

              --quick  a short run (about a minute or two each on 2 cores); the default is the full run
              --json   print a machine-readable summary instead of `name value unit` lines

            Each benchmark measures the pipeline and its bare limit in the same run and ends with
            `ratio <what> = X.XX`. Progress goes to stderr; benchmarks print, they never assert.""";

    public BenchArgs {
        if (!BENCHES.contains(bench)) {
            throw new UsageException("unknown benchmark '" + bench + "'; expected one of " + String.join(", ", BENCHES));
        }
    }

    /** Thrown for a command line that cannot be run; the message says what is wrong. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    /** True when the arguments ask for help rather than a run. */
    public static boolean wantsHelp(String... args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
                return true;
            }
        }
        return args.length == 0;
    }

    /** Parses {@code BENCH [--quick] [--json]} in any order; anything else is a {@link UsageException}. */
    public static BenchArgs parse(String... args) {
        Spec spec = new Spec();
        try {
            // A flag given twice was always accepted; picocli refuses that unless told.
            new CommandLine(spec).setOverwrittenOptionsAllowed(true).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            String message = e.getMessage();
            if (message.startsWith("Missing required parameter")) {
                message = "which benchmark? expected one of " + String.join(", ", BENCHES);
            } else if (message.startsWith("Unmatched argument")) {
                message = "one benchmark at a time: " + message;
            }
            throw new UsageException(message.replace('\n', ' '));
        }
        return new BenchArgs(spec.bench, spec.quick, spec.json);
    }

    /** A benchmark's name, in any case; the message lists the valid ones. */
    static final class BenchName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String name = value.strip().toLowerCase(Locale.ROOT);
            if (!BENCHES.contains(name)) {
                throw new TypeConversionException("unknown benchmark '" + value + "'; expected one of "
                        + String.join(", ", BENCHES));
            }
            return name;
        }
    }

    @Command(name = "pixelflow bench")
    private static final class Spec {
        @Parameters(index = "0", paramLabel = "BENCH", converter = BenchName.class)
        String bench;

        @Option(names = "--quick")
        boolean quick;

        @Option(names = "--json")
        boolean json;
    }
}
