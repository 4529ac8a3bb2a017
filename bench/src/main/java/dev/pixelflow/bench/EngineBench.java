package dev.pixelflow.bench;

import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.network.Recipe;
import dev.pixelflow.common.image.ImageShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Two networks on the implementations that can run them, train and infer, at 64x64x3 and 150x150x3, batch 32:
 * the reference network (small-vgg with RMSprop) on DL4J's MultiLayerNetwork ("before"), our SameDiff engine on
 * oneDNN ("after", the engine the workers use) and PyTorch; and the residual preset of the photo recipes
 * (resnet-small with the recipes' SGD, weight decay and label smoothing; batch norm and residual adds included) on
 * our engine and PyTorch. Each implementation first warms up untimed; then runs alternate (the order rotates every
 * round) so that a change in the machine's load hits all implementations alike.
 */
final class EngineBench implements Bench {
    static final List<ImageShape> SHAPES = List.of(new ImageShape(64, 64, 3), new ImageShape(150, 150, 3));
    static final List<String> OPS = List.of("train", "infer");
    static final int BATCH = 32;
    static final int TORCH_THREADS = 2;
    static final String REFERENCE = "small-vgg";
    /** The networks measured, the reference first; only the reference also runs on MultiLayerNetwork. */
    static final List<String> NETWORKS = List.of(REFERENCE, "resnet-small");

    /** One implementation of the reference network at one input shape. */
    private interface Runner extends AutoCloseable {
        String name();

        double run(String op, int warmup, double minSeconds) throws Exception;

        @Override
        void close();
    }

    @Override
    public Report run(boolean quick) throws Exception {
        int rounds = quick ? 2 : 3;
        Report report = new Report("engine", quick);
        Optional<TorchProcess> torch = TorchProcess.start(TORCH_THREADS);
        torch.ifPresent(t -> Progress.say("engine: %s", t.description()));
        report.note(torch.map(TorchProcess::description).orElse("PyTorch not available: its columns are missing"));
        Map<String, List<Double>> runs = new LinkedHashMap<>();
        try {
            for (String network : NETWORKS) {
                for (ImageShape shape : SHAPES) {
                    measure(network, shape, torch, rounds, minSeconds(shape, quick), runs);
                }
            }
        } finally {
            torch.ifPresent(TorchProcess::close);
        }
        fill(report, runs, torch.isPresent(), rounds);
        Progress.say("engine summary (images/s, batch %d, mean of %d runs):%n%s", BATCH, rounds, table(runs));
        return report;
    }

    /** Alternating runs of every implementation of one network at one shape, added to {@code runs}. */
    private static void measure(String network, ImageShape shape, Optional<TorchProcess> torch, int rounds,
                                double minSeconds, Map<String, List<Double>> runs) throws Exception {
        List<Runner> runners = new ArrayList<>();
        try {
            if (network.equals(REFERENCE)) {
                runners.add(new MlnRunner(shape));
            }
            runners.add(new Dl4jRunner(network, shape));
            torch.ifPresent(t -> runners.add(new TorchRunner(t, network, shape)));
            Progress.say("engine: %s %s, batch %d, %d rounds of %s, at least %.0f s per run", network, shape, BATCH,
                    rounds, runners.stream().map(Runner::name).toList(), minSeconds);
            // Every implementation first runs untimed for half a run's time, so that what a training job leaves
            // behind in its first seconds (the graph, oneDNN's generated kernels, the JVM's compilation of the
            // engine's Java code, which on 2 cores competes with the arithmetic) is behind it here too: measured
            // from the first step, resnet-small's first round at 150x150 ran at 0.6 of its later ones.
            for (String op : OPS) {
                for (Runner r : runners) {
                    r.run(op, 1, minSeconds / 2);
                }
            }
            for (int round = 0; round < rounds; round++) {
                for (String op : OPS) {
                    for (int k = 0; k < runners.size(); k++) {
                        Runner r = runners.get((k + round) % runners.size());
                        double rate = r.run(op, 0, minSeconds);
                        runs.computeIfAbsent(key(network, r.name(), op, shape), x -> new ArrayList<>()).add(rate);
                        Progress.say("engine: round %d %s %s %s %s: %.1f images/s", round + 1, network, r.name(), op,
                                shape, rate);
                    }
                }
            }
        } finally {
            runners.forEach(Runner::close);
        }
    }

    private static double minSeconds(ImageShape shape, boolean quick) {
        boolean large = shape.height() > 100;
        return quick ? (large ? 3 : 2) : (large ? 10 : 6);
    }

    /** The reference network's figures keep their names from before other networks were measured. */
    static String key(String network, String system, String op, ImageShape shape) {
        return (network.equals(REFERENCE) ? "" : network + ".") + system + "." + op + "." + shape;
    }

    private static double mean(Map<String, List<Double>> runs, String key) {
        List<Double> v = runs.get(key);
        return v == null ? Double.NaN : Percentiles.mean(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void fill(Report report, Map<String, List<Double>> runs, boolean withTorch, int rounds) {
        for (String network : NETWORKS) {
            for (ImageShape shape : SHAPES) {
                for (String op : OPS) {
                    for (String system : List.of("mln", "dl4j", "torch")) {
                        String key = key(network, system, op, shape);
                        if (runs.containsKey(key)) {
                            report.figure("engine." + key, mean(runs, key), "images/s", 1);
                        }
                    }
                }
            }
        }
        report.note("mln = DL4J MultiLayerNetwork (before), dl4j = pixelflow's SameDiff engine on oneDNN (after), torch ="
                + " PyTorch; batch " + BATCH + ", mean of " + rounds + " alternating runs each after an untimed warm-up run, random inputs; "
                + REFERENCE + " with RMSprop 1e-4, resnet-small with the photo recipes' SGD (Nesterov, weight decay 5e-4,"
                + " label smoothing 0.1), PyTorch's resnet-small in channels-last memory (its faster layout here)");
        for (ImageShape shape : SHAPES) {
            for (String op : OPS) {
                report.ratio("engine dl4j/mln " + op + " " + shape,
                        mean(runs, key(REFERENCE, "dl4j", op, shape)) / mean(runs, key(REFERENCE, "mln", op, shape)), null);
            }
        }
        if (withTorch) {
            ImageShape large = SHAPES.get(SHAPES.size() - 1);
            for (String network : NETWORKS) {
                String prefix = network.equals(REFERENCE) ? "engine" : "engine " + network;
                for (ImageShape shape : SHAPES) {
                    for (String op : OPS) {
                        if (network.equals(REFERENCE) && shape.equals(large) && op.equals("train")) {
                            continue; // the headline goes last
                        }
                        report.ratio(prefix + " dl4j/torch " + op + " " + shape, mean(runs, key(network, "dl4j", op, shape))
                                / mean(runs, key(network, "torch", op, shape)), null);
                    }
                }
            }
            report.ratio("engine dl4j/torch train " + large, mean(runs, key(REFERENCE, "dl4j", "train", large))
                    / mean(runs, key(REFERENCE, "torch", "train", large)), null);
        }
    }

    /** Before (MultiLayerNetwork) / after (SameDiff) / PyTorch, one line per network, shape and operation. */
    static String table(Map<String, List<Double>> runs) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-13s %-10s %-6s %14s %14s %10s %9s %10s%n",
                "network", "shape", "op", "mln (before)", "dl4j (after)", "torch", "dl4j/mln", "dl4j/torch"));
        for (String network : NETWORKS) {
            for (ImageShape shape : SHAPES) {
                for (String op : OPS) {
                    double mln = mean(runs, key(network, "mln", op, shape));
                    double dl4j = mean(runs, key(network, "dl4j", op, shape));
                    double torch = mean(runs, key(network, "torch", op, shape));
                    sb.append(String.format(Locale.ROOT, "  %-13s %-10s %-6s %14s %14s %10s %9s %10s%n", network, shape,
                            op, Report.format(mln, 1), Report.format(dl4j, 1), Report.format(torch, 1),
                            Report.format(dl4j / mln, 2), Report.format(dl4j / torch, 2)));
                }
            }
        }
        return sb.toString();
    }

    /** pixelflow's engine, through the same ClassifierEngine calls the trainer and the inference worker make. */
    private static final class Dl4jRunner implements Runner {
        private final ClassifierEngine engine;
        private final float[][] x = new float[4][];
        private final int[][] y = new int[4][BATCH];

        Dl4jRunner(String network, ImageShape shape) {
            // The reference trains with the tutorial's RMSprop, the residual preset with its recipes' optimizer.
            OptimizerSpec optimizer = network.equals(REFERENCE) ? OptimizerSpec.defaults()
                    : Recipe.named("photos-1h").optimizer();
            engine = Engines.create(NetworkSpec.preset(network, shape, 2), optimizer);
            SplittableRandom rng = new SplittableRandom(42);
            for (int i = 0; i < x.length; i++) {
                x[i] = new float[BATCH * shape.length()];
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j] = (float) rng.nextDouble();
                }
                for (int j = 0; j < BATCH; j++) {
                    y[i][j] = rng.nextInt(2);
                }
            }
        }

        @Override
        public String name() {
            return "dl4j";
        }

        @Override
        public double run(String op, int warmup, double minSeconds) {
            return op.equals("train")
                    ? Timed.rate(i -> engine.fit(x[i % 4], y[i % 4], BATCH), BATCH, warmup, 1, minSeconds)
                    : Timed.rate(i -> engine.output(x[i % 4], BATCH), BATCH, warmup, 1, minSeconds);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    private static final class MlnRunner implements Runner {
        private final MlnReference net;

        MlnRunner(ImageShape shape) {
            net = new MlnReference(shape, BATCH);
        }

        @Override
        public String name() {
            return "mln";
        }

        @Override
        public double run(String op, int warmup, double minSeconds) {
            return op.equals("train") ? net.train(warmup, 1, minSeconds) : net.infer(warmup, 1, minSeconds);
        }

        @Override
        public void close() {
            net.close();
        }
    }

    private static final class TorchRunner implements Runner {
        private final TorchProcess torch;
        private final String network;
        private final ImageShape shape;

        TorchRunner(TorchProcess torch, String network, ImageShape shape) {
            this.torch = torch;
            this.network = network;
            this.shape = shape;
        }

        @Override
        public String name() {
            return "torch";
        }

        @Override
        public double run(String op, int warmup, double minSeconds) throws Exception {
            return torch.run(network, op, shape, BATCH, warmup, 1, minSeconds);
        }

        @Override
        public void close() {
            // the process is shared by all shapes and closed by the bench
        }
    }
}
