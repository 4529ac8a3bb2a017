package dev.pixelflow.bench;

import dev.pixelflow.engine.NativeBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code pixelflow bench ingest|train|infer|engine [--quick] [--json]}: runs one benchmark and prints its figures
 * on stdout ({@code name value unit} lines ending with {@code ratio <what> = X.XX}, or one JSON object); progress
 * and logs go to stderr. Exit codes: 0 measured, 1 the benchmark failed, 2 bad command line.
 */
public final class BenchMain {
    static final String LOGBACK_CONFIG = "pixelflow-bench-logback.xml";

    private BenchMain() {
    }

    public static void main(String[] args) {
        // Before anything logs: the worker jars on the classpath each bring a logback.xml that logs to INFO.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (BenchArgs.wantsHelp(args)) {
            (args.length == 0 ? System.err : System.out).println(BenchArgs.USAGE);
            return args.length == 0 ? 2 : 0;
        }
        BenchArgs parsed;
        try {
            parsed = BenchArgs.parse(args);
        } catch (BenchArgs.UsageException e) {
            System.err.println("pixelflow bench: " + e.getMessage());
            System.err.println(BenchArgs.USAGE);
            return 2;
        }
        Bench bench = switch (parsed.bench()) {
            case "ingest" -> new IngestBench();
            case "train" -> new TrainBench();
            case "infer" -> new InferBench();
            case "engine" -> new EngineBench();
            default -> throw new IllegalStateException("unhandled benchmark " + parsed.bench());
        };
        int cores = Runtime.getRuntime().availableProcessors();
        double loadStart = loadAverage();
        Progress.say("%s benchmark (%s run) on %d cores, 1-minute load average %.2f at start", parsed.bench(),
                parsed.quick() ? "quick" : "full", cores, loadStart);
        if (!parsed.bench().equals("ingest")) {
            NativeBackend.configure();
            Progress.say("%s", NativeBackend.describe());
        }
        long t0 = System.nanoTime();
        Report report;
        // Libraries print to System.out (SameDiff announces every differentiated op); stdout is for the figures.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            report = bench.run(parsed.quick());
        } catch (Exception | Error e) {
            System.err.println("pixelflow bench " + parsed.bench() + " failed: " + e);
            e.printStackTrace(System.err);
            return 1;
        } finally {
            System.setOut(stdout);
        }
        double loadEnd = loadAverage();
        report.figure("env.cores", cores, "cores", 0);
        report.figure("env.load_1m.start", loadStart, "load");
        report.figure("env.load_1m.end", loadEnd, "load");
        report.figure("env.wall", (System.nanoTime() - t0) / 1e9, "s", 0);
        report.notes().forEach(n -> Progress.say("note: %s", n));
        System.out.print(parsed.json() ? report.json() : report.text());
        System.out.flush();
        return 0;
    }

    /** The 1-minute load average from /proc/loadavg, NaN where there is none: it says how busy the machine was. */
    static double loadAverage() {
        try {
            String text = Files.readString(Path.of("/proc/loadavg")).trim();
            return Double.parseDouble(text.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
