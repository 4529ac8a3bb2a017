package dev.pixelflow.engine;

import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.OptimizerSpec;

import dev.pixelflow.common.image.ImageShape;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Hand-run throughput check, not a test: images/s of fit and output for one configuration.
 * <pre>
 * java -cp common/target/test-classes:common/target/classes:$(deps) dev.pixelflow.engine.EngineBenchmark \
 *      small-vgg 150x150x3 32 NHWC 8
 * </pre>
 * Arguments: preset, shape, batch size, layout (NHWC|NCHW), timed steps. Choose the native build with
 * PIXELFLOW_NATIVE_EXTENSION (e.g. none) and try OMP_WAIT_POLICY=PASSIVE in the environment.
 */
public final class EngineBenchmark {
    private EngineBenchmark() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "small-vgg";
        ImageShape shape = ImageShape.parse(args.length > 1 ? args[1] : "64x64x3");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        SameDiffEngine.Layout layout = SameDiffEngine.Layout.valueOf(args.length > 3 ? args[3] : "NHWC");
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 8;

        NativeBackend.configure();
        System.out.println(NativeBackend.describe());
        NetworkSpec spec = NetworkSpec.preset(preset, shape, 2);
        SplittableRandom random = new SplittableRandom(1);
        float[] features = new float[batch * shape.length()];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextDouble();
        }
        int[] labels = new int[batch];
        Arrays.setAll(labels, i -> i % 2);
        try (SameDiffEngine engine = SameDiffEngine.create(spec, OptimizerSpec.defaults(), layout)) {
            for (int i = 0; i < 2; i++) { // warm-up: graph setup, oneDNN primitive creation
                engine.fit(features, labels, batch);
                engine.output(features, batch);
            }
            double[] fit = new double[steps];
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                engine.fit(features, labels, batch);
                fit[i] = (System.nanoTime() - t) / 1e9;
            }
            double[] out = new double[steps];
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                engine.output(features, batch);
                out[i] = (System.nanoTime() - t) / 1e9;
            }
            System.out.printf("RESULT %s %s batch %d %s: fit %.1f img/s (median step %.3f s), output %.1f img/s (median %.3f s)%n",
                    preset, shape, batch, layout, batch / median(fit), median(fit), batch / median(out), median(out));
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
