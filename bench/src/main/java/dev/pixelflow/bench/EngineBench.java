package dev.pixelflow.bench;

import dev.pixelflow.engine.ClassifierEngine;
import dev.pixelflow.engine.Engines;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.ImageShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The reference network (small-vgg, batch 32) on three implementations, train and infer, at 64x64x3 and
 * 150x150x3: DL4J's MultiLayerNetwork ("before"), our SameDiff engine on oneDNN ("after", the engine the workers
 * use) and PyTorch, in alternating runs (the order rotates every round) so that a change in the machine's load
 * hits all three alike.
 */
final class EngineBench implements Bench {
    static final List<ImageShape> SHAPES = List.of(new ImageShape(64, 64, 3), new ImageShape(150, 150, 3));
    static final List<String> OPS = List.of("train", "infer");
    static final int BATCH = 32;
    static final int TORCH_THREADS = 2;

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
            for (ImageShape shape : SHAPES) {
                double minSeconds = minSeconds(shape, quick);
                List<Runner> runners = new ArrayList<>();
                try {
                    runners.add(new MlnRunner(shape));
                    runners.add(new Dl4jRunner(shape));
                    torch.ifPresent(t -> runners.add(new TorchRunner(t, shape)));
                    Progress.say("engine: %s, batch %d, %d rounds of %s, at least %.0f s per run", shape, BATCH, rounds,
                            runners.stream().map(Runner::name).toList(), minSeconds);
                    for (int round = 0; round < rounds; round++) {
                        for (String op : OPS) {
                            for (int k = 0; k < runners.size(); k++) {
                                Runner r = runners.get((k + round) % runners.size());
                                // One untimed step the first time (graph, kernels, caches); later rounds reuse them,
                                // and a warm-up step of MultiLayerNetwork at 150x150 costs 15 s on 2 busy cores.
                                double rate = r.run(op, round == 0 ? 1 : 0, minSeconds);
                                runs.computeIfAbsent(key(r.name(), op, shape), x -> new ArrayList<>()).add(rate);
                                Progress.say("engine: round %d %s %s %s: %.1f images/s", round + 1, r.name(), op, shape, rate);
                            }
                        }
                    }
                } finally {
                    runners.forEach(Runner::close);
                }
            }
        } finally {
            torch.ifPresent(TorchProcess::close);
        }
        fill(report, runs, torch.isPresent(), rounds);
        Progress.say("engine summary (images/s, batch %d, mean of %d runs):%n%s", BATCH, rounds, table(runs));
        return report;
    }

    private static double minSeconds(ImageShape shape, boolean quick) {
        boolean large = shape.height() > 100;
        return quick ? (large ? 3 : 2) : (large ? 10 : 6);
    }

    static String key(String system, String op, ImageShape shape) {
        return system + "." + op + "." + shape;
    }

    private static double mean(Map<String, List<Double>> runs, String key) {
        List<Double> v = runs.get(key);
        return v == null ? Double.NaN : Percentiles.mean(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void fill(Report report, Map<String, List<Double>> runs, boolean withTorch, int rounds) {
        for (ImageShape shape : SHAPES) {
            for (String op : OPS) {
                for (String system : List.of("mln", "dl4j", "torch")) {
                    String key = key(system, op, shape);
                    if (runs.containsKey(key)) {
                        report.figure("engine." + key, mean(runs, key), "images/s", 1);
                    }
                }
            }
        }
        report.note("mln = DL4J MultiLayerNetwork (before), dl4j = pixelflow's SameDiff engine on oneDNN (after), torch ="
                + " PyTorch; batch " + BATCH + ", mean of " + rounds + " alternating runs each, random inputs");
        for (ImageShape shape : SHAPES) {
            for (String op : OPS) {
                report.ratio("engine dl4j/mln " + op + " " + shape,
                        mean(runs, key("dl4j", op, shape)) / mean(runs, key("mln", op, shape)), null);
            }
        }
        if (withTorch) {
            for (ImageShape shape : SHAPES) {
                for (String op : OPS) {
                    if (shape.equals(SHAPES.get(SHAPES.size() - 1)) && op.equals("train")) {
                        continue; // the headline goes last
                    }
                    report.ratio("engine dl4j/torch " + op + " " + shape,
                            mean(runs, key("dl4j", op, shape)) / mean(runs, key("torch", op, shape)), null);
                }
            }
            ImageShape large = SHAPES.get(SHAPES.size() - 1);
            report.ratio("engine dl4j/torch train " + large,
                    mean(runs, key("dl4j", "train", large)) / mean(runs, key("torch", "train", large)), null);
        }
    }

    /** Before (MultiLayerNetwork) / after (SameDiff) / PyTorch, one line per shape and operation. */
    static String table(Map<String, List<Double>> runs) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-10s %-6s %14s %14s %10s %9s %10s%n",
                "shape", "op", "mln (before)", "dl4j (after)", "torch", "dl4j/mln", "dl4j/torch"));
        for (ImageShape shape : SHAPES) {
            for (String op : OPS) {
                double mln = mean(runs, key("mln", op, shape));
                double dl4j = mean(runs, key("dl4j", op, shape));
                double torch = mean(runs, key("torch", op, shape));
                sb.append(String.format(Locale.ROOT, "  %-10s %-6s %14s %14s %10s %9s %10s%n", shape, op,
                        Report.format(mln, 1), Report.format(dl4j, 1), Report.format(torch, 1),
                        Report.format(dl4j / mln, 2), Report.format(dl4j / torch, 2)));
            }
        }
        return sb.toString();
    }

    /** pixelflow's engine, through the same ClassifierEngine calls the trainer and the inference worker make. */
    private static final class Dl4jRunner implements Runner {
        private final ClassifierEngine engine;
        private final float[][] x = new float[4][];
        private final int[][] y = new int[4][BATCH];

        Dl4jRunner(ImageShape shape) {
            engine = Engines.create(NetworkSpec.preset("small-vgg", shape, 2), OptimizerSpec.defaults());
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
        private final ImageShape shape;

        TorchRunner(TorchProcess torch, ImageShape shape) {
            this.torch = torch;
            this.shape = shape;
        }

        @Override
        public String name() {
            return "torch";
        }

        @Override
        public double run(String op, int warmup, double minSeconds) throws Exception {
            return torch.run(op, shape, BATCH, warmup, 1, minSeconds);
        }

        @Override
        public void close() {
            // the process is shared by all shapes and closed by the bench
        }
    }
}
