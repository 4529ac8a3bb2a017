package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.cli.TrainingFollower;
import dev.pixelflow.common.message.PublishPolicy;
import dev.pixelflow.common.network.LrSchedule;
import dev.pixelflow.common.network.NetworkSpec;
import dev.pixelflow.common.network.Recipe;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.image.AugmentSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import dev.pixelflow.cli.convert.ShapeConverter;
import dev.pixelflow.cli.convert.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pixelflow train}: sends a training request and follows the job live until its version is published. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Ask the trainer for a model version and follow its progress until it is published.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--model", defaultValue = "classifier", description = "model name (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--recipe", paramLabel = "NAME",
            description = "a whole training configuration by name; flags given with it override its fields; 'list' prints them")
    String recipe;

    @Option(names = "--size", paramLabel = "HxWxC", description = "input size; the data must be ingested at it (default: the recipe's, else 150x150x3)", converter = ShapeConverter.class)
    ImageShape size;

    @Option(names = "--train-size", paramLabel = "HxWxC", converter = ShapeConverter.class,
            description = "train on crops of this size, smaller than --size, and answer on whole images of --size; only "
                    + "for networks ending in global pooling (default: the recipe's unless --size is given, else whole images)")
    ImageShape trainSize;

    @Option(names = "--train-size-from", paramLabel = "HxWxC", converter = ShapeConverter.class,
            description = "start training on crops of this size and grow them in steps of 8 px to --train-size (or "
                    + "--size) by three quarters of the epochs: the first epochs cost less (default: the recipe's unless "
                    + "--size or --train-size is given, else none)")
    ImageShape trainSizeFrom;

    @Option(names = "--preset", paramLabel = "NAME", description = "network preset: ${COMPLETION-CANDIDATES} (default: the recipe's, else small-cnn for 1-channel inputs up to 64 px, else small-vgg)",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--epochs", description = "epochs (default: the recipe's, else 64)")
    Integer epochs;

    @Option(names = "--batch", description = "batch size (default: the recipe's, else 32)")
    Integer batch;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "rmsprop, adam, adamw or sgd (Nesterov) (default: the recipe's, else rmsprop)")
    String optimizer;

    @Option(names = "--lr", description = "base learning rate (default: the recipe's, else 1e-4 for rmsprop, 1e-3 for adam/adamw, 0.1 for sgd)")
    Double learningRate;

    @Option(names = "--momentum", description = "sgd: Nesterov momentum (default 0.9)")
    Double momentum;

    @Option(names = "--weight-decay", paramLabel = "X", description = "decoupled weight decay on conv and dense weights (default: the recipe's, else 0)")
    Double weightDecay;

    @Option(names = "--label-smoothing", paramLabel = "X", description = "label smoothing in [0, 0.5) (default: the recipe's, else 0)")
    Double labelSmoothing;

    @Option(names = "--schedule", paramLabel = "constant|cosine|step", description = "learning-rate schedule (default: the recipe's, else constant)")
    String schedule;

    @Option(names = "--warmup", paramLabel = "EPOCHS", description = "epochs of linear warm-up for cosine and step (default: the recipe's, else 0)")
    Double warmup;

    @Option(names = "--step-every", paramLabel = "EPOCHS", description = "step schedule: epochs between drops (default 30)")
    Integer stepEvery;

    @Option(names = "--step-factor", paramLabel = "X", description = "step schedule: factor of each drop (default 0.1)")
    Double stepFactor;

    @Option(names = "--augment", paramLabel = "keras|photos|shift-flip|none",
            description = "training-time augmentation: keras (the tutorial's warp; 'default' is the same), photos (random-resized crop, flip, rotation, colour jitter), shift-flip, none (default: the recipe's, else keras for small-vgg, none otherwise)")
    String augment;

    @Option(names = "--tta", negatable = true, description = "versions answer with flip test-time augmentation by default (default: the recipe's, else off)")
    Boolean tta;

    @Option(names = "--seed", defaultValue = "42", description = "seed of weights, order and augmentation (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--classes", split = ",", description = "class names in output order (default: from the data)")
    List<String> classes;

    @Option(names = "--warm-start", paramLabel = "NAME:VERSION", description = "continue training from a published version")
    String warmStart;

    @Option(names = "--publish-every", paramLabel = "K", defaultValue = "0",
            description = "also publish a version after every K-th epoch (default: only at the end)")
    int publishEvery;

    @Option(names = "--publish-best", description = "also publish a version after each epoch that improves validation accuracy")
    boolean publishBest;

    @Option(names = "--candidate", description = "publish the job's versions as candidates only: none becomes production "
            + "on its own, whatever the model's rule (see: models promote, models canary)")
    boolean candidate;

    @Option(names = "--no-follow", description = "send the request and exit")
    boolean noFollow;

    @Option(names = "--timeout", defaultValue = "24h", description = "give up following after this long (default ${DEFAULT-VALUE})", converter = DurationConverter.class)
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if ("list".equalsIgnoreCase(recipe)) {
            Recipe.all().forEach(r -> System.out.println(r.describe()));
            return 0;
        }
        Recipe base = recipe == null ? null : Recipe.named(recipe);
        ImageShape shape = size != null ? size : base != null ? base.input() : new ImageShape(150, 150, 3);
        ImageShape crops = trainSize != null ? trainSize : size == null && base != null ? base.trainSize() : null;
        ImageShape cropsFrom = trainSizeFrom != null ? trainSizeFrom
                : size == null && trainSize == null && base != null ? base.trainSizeFrom() : null;
        String presetName = preset != null ? preset : base != null ? base.preset()
                : shape.channels() == 1 && Math.max(shape.height(), shape.width()) <= 64 ? "small-cnn" : "small-vgg";
        if (!NetworkSpec.presetNames().contains(presetName)) {
            throw new IllegalArgumentException("--preset: expected one of " + NetworkSpec.presetNames() + ", got '" + presetName + "'");
        }
        OptimizerSpec opt = optimizerSpec(base);
        int epochCount = epochs != null ? epochs : base != null ? base.epochs() : 64;
        int batchSize = batch != null ? batch : base != null ? base.batchSize() : 32;
        String aug = augment != null ? augment : base != null ? null : presetName.equals("small-vgg") ? "keras" : "none";
        AugmentSettings augmentation = aug == null ? base.augmentation() : augmentation(aug);
        boolean testTimeAugmentation = tta != null ? tta : base != null && base.tta();
        if (testTimeAugmentation && !augmentation.horizontalFlip()) {
            // Averaging with the mirror image helps only a network that saw mirrored images: on Fashion-MNIST without
            // flips it turned a third of the ankle boots into bags.
            throw new IllegalArgumentException("--tta averages each answer with the mirror image's, but augmentation "
                    + (aug == null ? "the recipe's" : aug) + " never shows the network a mirrored image: train with "
                    + "--augment keras, photos or shift-flip, or with --no-tta");
        }
        String jobId = model + "-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, model, presetName, null, shape,
                classes, opt, batchSize, epochCount, augmentation, seed, warmStart, Instant.now(),
                new PublishPolicy(publishEvery, publishBest, candidate), testTimeAugmentation, crops, cropsFrom);
        // Refused here rather than by the trainer minutes later: a flattening network cannot take other sizes.
        // Built only when crops are asked for: a size the preset cannot take at all is left to the trainer's message.
        if (request.trainSize() != null || request.trainSizeFrom() != null) {
            NetworkSpec network = NetworkSpec.preset(presetName, shape, 2);
            for (ImageShape other : new ImageShape[]{request.trainSize(), request.trainSizeFrom()}) {
                if (other != null) {
                    network.atInput(other);
                }
            }
        }
        KafkaClients clients = kafka.clients("train");
        Topics topics = kafka.topics();
        kafka.ensureTopics(clients, topics);
        try (TrainingFollower follower = noFollow ? null : new TrainingFollower(clients, topics.trainingMetrics.name(), jobId)) {
            try (KafkaProducer<String, byte[]> producer = clients.producer("train", new StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topics.trainingRequests.name(), jobId,
                        TrainingRequest.SERDE.serialize(topics.trainingRequests.name(), request))).get();
            }
            System.out.printf("sent training job %s: model %s, %s%s %s%s, %d epochs, batch %d, %s, augmentation %s%s%n",
                    jobId, model, base == null ? "" : "recipe " + base.name() + ": ", presetName, shape,
                    Recipe.crops(shape, request.trainSize(), request.trainSizeFrom()), epochCount, batchSize,
                    opt.describe(), aug == null ? "the recipe's" : aug, testTimeAugmentation ? ", flip TTA" : "");
            if (follower == null) {
                return 0;
            }
            return follower.follow(System.out, timeout)
                    .published() ? 0 : 1;
        }
    }

    /** The recipe's optimizer (or rmsprop), with every optimizer flag given applied over it. */
    private OptimizerSpec optimizerSpec(Recipe base) {
        OptimizerSpec opt = base != null ? base.optimizer() : OptimizerSpec.defaults();
        if (optimizer != null && !OptimizerSpec.of(optimizer).name().equals(opt.name())) {
            // Another optimizer: its usual rate and momentum, the recipe's regularisation and schedule.
            OptimizerSpec other = OptimizerSpec.of(optimizer);
            opt = other.withWeightDecay(opt.weightDecay()).withLabelSmoothing(opt.labelSmoothing()).withSchedule(opt.schedule());
        }
        if (learningRate != null) {
            opt = opt.withLearningRate(learningRate);
        }
        if (momentum != null) {
            opt = opt.withMomentum(momentum);
        }
        if (weightDecay != null) {
            opt = opt.withWeightDecay(weightDecay);
        }
        if (labelSmoothing != null) {
            opt = opt.withLabelSmoothing(labelSmoothing);
        }
        if (schedule != null || warmup != null || stepEvery != null || stepFactor != null) {
            LrSchedule current = opt.scheduleOrConstant();
            String kind = schedule != null ? schedule : current.kind();
            double warm = warmup != null ? warmup : current.warmupEpochs();
            LrSchedule next = switch (kind.trim().toLowerCase(java.util.Locale.ROOT)) {
                case LrSchedule.STEP -> LrSchedule.step(warm, stepEvery != null ? stepEvery
                        : current.stepEpochs() > 0 ? current.stepEpochs() : 30,
                        stepFactor != null ? stepFactor : current.stepFactor() > 0 ? current.stepFactor() : 0.1);
                default -> new LrSchedule(kind, warm, 0, 0);
            };
            opt = opt.withSchedule(next);
        }
        return opt;
    }

    private static AugmentSettings augmentation(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "keras", "default" -> AugmentSettings.defaults();
            case "photos" -> AugmentSettings.photos();
            case "shift-flip" -> AugmentSettings.shiftAndFlip();
            case "none" -> AugmentSettings.none();
            default -> throw new IllegalArgumentException("--augment: expected keras, photos, shift-flip or none, got '" + name + "'");
        };
    }

    /** The presets, for picocli's help and completion. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return NetworkSpec.presetNames().iterator();
        }
    }
}
