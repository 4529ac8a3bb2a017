package dev.pixelflow.cli.classify;

import dev.pixelflow.cli.KafkaOptions;
import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import dev.pixelflow.cli.convert.DurationConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options {@code classify} and {@code eval} share: where Kafka is, which model, how long to wait. */
public final class ClassifyOptions {
    /** Requests waiting for answers at once; enough to keep a few workers' batches full. */
    public static final int MAX_IN_FLIGHT = 256;
    private static final Pattern MODEL_REF = Pattern.compile("[^:@\\s]+(:[1-9]\\d{0,8}|@production|@canary)?");

    @Mixin
    public KafkaOptions kafka;

    @Option(names = "--model", paramLabel = "NAME[:VERSION|@ALIAS]",
            description = "model to ask for; NAME:VERSION pins a version, NAME@production or NAME@canary addresses an "
                    + "alias (default: the workers' default model)")
    String model;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "give up when no answer has arrived for this long, e.g. 30s, 2m (default: ${DEFAULT-VALUE})", converter = DurationConverter.class)
    Duration timeout;

    @Option(names = "--tta", negatable = true,
            description = "ask for the mean of each image's and its mirror image's answers (--tta) or for the image's "
                    + "alone (--no-tta), whatever the version's own setting (default: the version's)")
    Boolean tta;

    public String model() {
        if (model != null && !MODEL_REF.matcher(model).matches()) {
            throw new ConfigException("--model: expected NAME, NAME:VERSION or NAME@production|canary (e.g. pets:3), got '"
                    + model + "'");
        }
        return model;
    }

    public Duration timeout() {
        if (timeout.isZero()) {
            throw new ConfigException("--timeout must be positive");
        }
        return timeout;
    }

    /** A client for the topics of {@code --topic-prefix}, creating them when missing so no answer can be lost. */
    public ClassifyClient client(String role) {
        KafkaSettings settings = kafka.settings();
        Map<String, String> props = new HashMap<>(settings.clientProperties());
        // KAFKA-15591: right after a topic is created, a second in-flight produce request can overtake a first one
        // that failed with NOT_LEADER_OR_FOLLOWER, and the first is then retried until it expires. One request at a
        // time keeps them in order; the user's KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION still wins.
        props.putIfAbsent("max.in.flight.requests.per.connection", "1");
        KafkaClients clients = new KafkaClients(new KafkaSettings(settings.bootstrapServers(), settings.topicPrefix(), props),
                "pixelflow-cli-" + role);
        Topics topics = kafka.topics();
        String ref = model();
        Duration wait = timeout();
        kafka.ensureTopics(clients, topics);
        return new ClassifyClient(clients, topics.classifyRequests.name(), topics.classifyResults.name(), ref, wait,
                MAX_IN_FLIGHT, tta);
    }
}
