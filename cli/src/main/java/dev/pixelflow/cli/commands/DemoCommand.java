package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.TrainingFollower;
import dev.pixelflow.cli.stack.LocalStack;
import dev.pixelflow.cli.stack.StackFile;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.network.Recipe;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.cli.data.LabelRule;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import dev.pixelflow.cli.convert.ShapeConverter;
import dev.pixelflow.cli.convert.LabelRuleConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pixelflow demo}: the whole system in one command, on real images: embedded broker, the three workers as
 * separate processes, ingest, training with live progress, classification of held-out images through Kafka, a
 * report; then everything it started is stopped again (also on Ctrl-C).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole system once: broker, workers, ingest, train, classify held-out images, report.")
public final class DemoCommand implements Callable<Integer> {
    static final Path FASHION_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    private static final Recipe FASHION_RECIPE = Recipe.named("fashion-mnist");

    @Option(names = "--data", paramLabel = "DIR", description = "a labelled folder instead of Fashion-MNIST (e.g. ../shared/datasets/dogs-vs-cats/train)")
    Path data;

    @Option(names = "--test", paramLabel = "DIR", description = "held-out images (default: the 'test' folder beside --data, or Fashion-MNIST's test file)")
    Path test;

    @Option(names = "--labels", defaultValue = "filename", description = "label rule for --data: filename or folder (default ${DEFAULT-VALUE})", converter = LabelRuleConverter.class)
    LabelRule labels;

    @Option(names = "--size", paramLabel = "HxWxC", description = "input size (default 28x28x1 for Fashion-MNIST, 150x150x3 for --data)", converter = ShapeConverter.class)
    ImageShape size;

    @Option(names = "--epochs", description = "epochs (default 3 for Fashion-MNIST, 10 for --data)")
    Integer epochs;

    @Option(names = "--eval-limit", defaultValue = "1000", description = "classify at most this many held-out images (default ${DEFAULT-VALUE})")
    int evalLimit;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "use this cluster instead of starting the embedded broker")
    String bootstrap;

    @Option(names = "--keep-running", description = "leave the broker and workers running at the end")
    boolean keepRunning;

    @Option(names = "--out", paramLabel = "DIR", description = "where logs, state and the report go (default .pixelflow/demo-TIMESTAMP)")
    Path out;

    @Override
    public Integer call() throws Exception {
        boolean fashion = data == null;
        if (fashion && !Files.exists(FASHION_DIR.resolve("train-images-idx3-ubyte.gz"))) {
            throw new IllegalStateException("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist (or pass --data DIR)");
        }
        ImageShape shape = size != null ? size : fashion ? new ImageShape(28, 28, 1) : new ImageShape(150, 150, 3);
        int epochCount = epochs != null ? epochs : fashion ? 3 : 10;
        Path trainPath = fashion ? FASHION_DIR.resolve("train-images-idx3-ubyte.gz") : data;
        Path testPath = test != null ? test : fashion ? FASHION_DIR.resolve("t10k-images-idx3-ubyte.gz")
                : data.toAbsolutePath().getParent().resolve("test");
        if (!Files.exists(testPath)) {
            throw new IllegalArgumentException("no held-out images at " + testPath + "; name them with --test DIR");
        }
        Path runDir = (out != null ? out : LocalStack.home().resolve(".pixelflow").resolve("demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))).toAbsolutePath();
        Files.createDirectories(runDir);
        String model = fashion ? "fashion" : "demo";

        LocalStack stack = new LocalStack(runDir);
        AtomicBoolean finished = new AtomicBoolean();
        Thread onCtrlC = new Thread(() -> {
            if (!finished.get()) {
                System.out.println("\nstopping the demo's processes ...");
                stack.close();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        long t0 = System.nanoTime();
        try {
            String servers = bootstrap;
            if (servers == null) {
                step("starting the embedded Kafka broker (KRaft)");
                servers = stack.startBroker(0, runDir.resolve("broker"), Duration.ofSeconds(90));
                System.out.println("  broker at " + servers);
            }
            String prefix = bootstrap == null ? "" : "demo-" + System.currentTimeMillis() + ".";
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", servers, "PIXELFLOW_TOPIC_PREFIX", prefix,
                    "PIXELFLOW_STATE_DIR", runDir.resolve("trainer").toString());
            KafkaSettings settings = KafkaSettings.from(ConfigSource.fromEnvironment().with(env));
            KafkaClients clients = new KafkaClients(settings, "pixelflow-demo");
            Topics topics = new Topics(prefix);
            TopicAdmin.ensureAll(clients, topics, Duration.ofSeconds(30));
            for (String role : List.of("ingest", "trainer", "inference")) {
                step("starting the " + role + " worker (its own process; log " + runDir.resolve("logs").resolve(role + ".log") + ")");
                stack.startWorker(role, env, Duration.ofSeconds(120));
            }

            step("ingesting " + trainPath + " at " + shape);
            List<String> ingestArgs = new ArrayList<>(List.of("ingest", trainPath.toString(), "--size", shape.toString(),
                    "--bootstrap", servers, "--labels", labels.name().toLowerCase(java.util.Locale.ROOT)));
            if (!prefix.isEmpty()) {
                ingestArgs.addAll(List.of("--topic-prefix", prefix));
            }
            if (dev.pixelflow.cli.PixelflowCli.run(ingestArgs.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("ingest failed");
            }

            // Fashion-MNIST at its own size trains the fashion-mnist recipe's network and rule, for fewer epochs.
            Recipe recipe = fashion && shape.equals(FASHION_RECIPE.input()) ? FASHION_RECIPE : null;
            String preset = recipe != null ? recipe.preset()
                    : shape.channels() == 1 && Math.max(shape.height(), shape.width()) <= 64 ? "small-cnn" : "small-vgg";
            OptimizerSpec optimizer = recipe != null ? recipe.optimizer()
                    : fashion ? new OptimizerSpec(OptimizerSpec.ADAM, 1e-3) : OptimizerSpec.defaults();
            AugmentSettings augmentation = recipe != null ? recipe.augmentation()
                    : preset.equals("small-vgg") ? AugmentSettings.defaults() : AugmentSettings.none();
            int batchSize = recipe != null ? recipe.batchSize() : fashion ? 64 : 32;
            String jobId = model + "-" + Long.toHexString(System.nanoTime());
            TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, model, preset, null, shape, null,
                    optimizer, batchSize, epochCount, augmentation, 42L, null, Instant.now());
            step("training " + model + ": " + preset + ", " + epochCount + " epochs, batch " + batchSize + ", "
                    + optimizer.describe());
            TrainingFollower.Outcome outcome;
            try (TrainingFollower follower = new TrainingFollower(clients, topics.trainingMetrics.name(), jobId);
                 KafkaProducer<String, byte[]> producer = clients.producer("demo", new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topics.trainingRequests.name(), jobId,
                        TrainingRequest.SERDE.serialize("", request))).get();
                outcome = follower.follow(System.out, Duration.ofHours(12));
            }
            if (!outcome.published()) {
                throw new IllegalStateException("training did not publish a model: " + outcome.message());
            }

            step("classifying held-out images from " + testPath + " through classify.requests");
            DemoSteps.Evaluation eval = DemoSteps.evaluate(clients, topics, testPath, labels, model + ":" + outcome.version(),
                    evalLimit, runDir);
            System.out.printf("%naccuracy on %d held-out images: %.2f%% (model %s:%d)%n", eval.count(), 100 * eval.accuracy(),
                    model, outcome.version());
            eval.examples().forEach(line -> System.out.println("  " + line));
            System.out.printf("%ndone in %s. Outputs in %s:%n  report  %s%n  history %s%n  logs    %s%n",
                    dev.pixelflow.cli.Progress.formatSeconds((System.nanoTime() - t0) / 1e9), runDir, eval.report(),
                    runDir.resolve("trainer").resolve("jobs").resolve(jobId).resolve("history.png"), runDir.resolve("logs"));
            if (keepRunning) {
                List<StackFile.Entry> entries = stack.services().stream().map(s -> new StackFile.Entry(s.name(),
                        s.process().pid(), s.log().toString(), s.httpPort())).toList();
                new StackFile(servers, entries).write(runDir);
                System.out.printf("%nthe stack keeps running (bootstrap %s). From another shell:%n"
                        + "  bin/pixelflow classify FILE... --bootstrap %s%n  bin/pixelflow eval DIR --bootstrap %s%n"
                        + "  bin/pixelflow models --bootstrap %s%n  kcat -b %s -L%nstop it with: bin/pixelflow down --dir %s%n",
                        servers, servers, servers, servers, servers, runDir);
            }
            finished.set(true);
            return 0;
        } catch (Exception e) {
            keepRunning = false; // a failed demo never leaves processes behind
            throw e;
        } finally {
            finished.set(true);
            if (!keepRunning) {
                stack.close();
            }
            Runtime.getRuntime().removeShutdownHook(onCtrlC);
        }
    }

    private static void step(String what) {
        System.out.println("==> " + what);
    }
}
