package dev.pixelflow.cli.commands;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.cli.TrainingFollower;
import dev.pixelflow.common.network.NetworkSpec;
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

    @Option(names = "--size", defaultValue = "150x150x3", paramLabel = "HxWxC", description = "input size; the data must be ingested at it (default ${DEFAULT-VALUE})", converter = ShapeConverter.class)
    ImageShape size;

    @Option(names = "--preset", paramLabel = "NAME", description = "network preset: small-vgg or small-cnn (default: small-cnn for 1-channel inputs up to 64 px, else small-vgg)")
    String preset;

    @Option(names = "--epochs", defaultValue = "64", description = "epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--optimizer", defaultValue = "rmsprop", description = "rmsprop or adam (default ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", description = "learning rate (default: 1e-4 for rmsprop, 1e-3 for adam)")
    Double learningRate;

    @Option(names = "--augment", paramLabel = "default|none", description = "Keras-style augmentation (default: 'default' for small-vgg, 'none' otherwise)")
    String augment;

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
        ImageShape shape = size;
        String presetName = preset != null ? preset
                : shape.channels() == 1 && Math.max(shape.height(), shape.width()) <= 64 ? "small-cnn" : "small-vgg";
        if (!NetworkSpec.presetNames().contains(presetName)) {
            throw new IllegalArgumentException("--preset: expected one of " + NetworkSpec.presetNames() + ", got '" + presetName + "'");
        }
        OptimizerSpec opt = learningRate == null ? OptimizerSpec.of(optimizer) : new OptimizerSpec(optimizer, learningRate);
        String aug = augment != null ? augment : presetName.equals("small-vgg") ? "default" : "none";
        AugmentSettings augmentation = switch (aug) {
            case "default" -> AugmentSettings.defaults();
            case "none" -> AugmentSettings.none();
            default -> throw new IllegalArgumentException("--augment: expected default or none, got '" + aug + "'");
        };
        String jobId = model + "-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, model, presetName, null, shape,
                classes, opt, batch, epochs, augmentation, seed, warmStart, Instant.now(),
                new dev.pixelflow.common.message.PublishPolicy(publishEvery, publishBest, candidate));
        KafkaClients clients = kafka.clients("train");
        Topics topics = kafka.topics();
        kafka.ensureTopics(clients, topics);
        try (TrainingFollower follower = noFollow ? null : new TrainingFollower(clients, topics.trainingMetrics.name(), jobId)) {
            try (KafkaProducer<String, byte[]> producer = clients.producer("train", new StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topics.trainingRequests.name(), jobId,
                        TrainingRequest.SERDE.serialize(topics.trainingRequests.name(), request))).get();
            }
            System.out.printf("sent training job %s: model %s, %s %s, %d epochs, batch %d, %s lr %s, augmentation %s%n",
                    jobId, model, presetName, shape, epochs, batch, opt.name(), opt.learningRate(), aug);
            if (follower == null) {
                return 0;
            }
            return follower.follow(System.out, timeout)
                    .published() ? 0 : 1;
        }
    }
}
