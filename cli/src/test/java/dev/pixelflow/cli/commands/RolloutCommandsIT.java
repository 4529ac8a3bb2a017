package dev.pixelflow.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.ShadowAnswer;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** The rollout commands over a real broker: refusals that leave the state alone, changes, and the status figures. */
@ExtendWith(KafkaBrokerExtension.class)
class RolloutCommandsIT {
    private static final String MODEL = "pets";
    private static final ImageShape SHAPE = new ImageShape(8, 8, 3);

    record Run(int exitCode, String out, String err) {
    }

    private static Run models(KafkaTestBroker broker, String prefix, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ModelsCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("error: " + e.getMessage());
            return 1;
        });
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--bootstrap", broker.bootstrapServers(), "--topic-prefix", prefix));
        return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    /** A version whose artifact is a few bytes; {@code corrupt} publishes chunks that do not match its sha256. */
    private static void publish(KafkaClients clients, Topics topics, int version, double valAccuracy, boolean corrupt) {
        byte[] artifact = ("artifact of version " + version).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ModelVersion manifest = new ModelVersion(ModelVersion.SCHEMA_VERSION, MODEL, version, Instant.now(), "job", "samediff",
                "{}", Map.of(), 1, List.of(new EpochMetrics(1, 0.5, 0.5, 0.5, valAccuracy, null, 1, 1)), List.of("cat", "dog"),
                SHAPE, new PreprocessFingerprint(SHAPE, "area", "unit", 1), ContentHash.sha256Hex(artifact), artifact.length,
                1);
        if (corrupt) {
            artifact = artifact.clone();
            artifact[0] ^= 1;
        }
        try (KafkaProducer<String, byte[]> p = clients.transactionalProducer("rollout-it-" + UUID.randomUUID(),
                new StringSerializer(), new ByteArraySerializer())) {
            p.initTransactions();
            p.beginTransaction();
            ModelPublisher.send(p, topics.models.name(), manifest, artifact);
            p.commitTransaction();
        }
    }

    @Test
    void refusalsLeaveTheStateAloneAndStatusShowsShareAndAgreement(KafkaTestBroker broker) throws Exception {
        String prefix = broker.uniqueName("rollout-cli") + ".";
        Topics topics = new Topics(prefix);
        KafkaClients clients = new KafkaClients(new KafkaSettings(broker.bootstrapServers(), prefix, Map.of()), "test");
        TopicAdmin.ensureAll(clients, topics, Duration.ofSeconds(30));
        publish(clients, topics, 1, 0.80, false);
        publish(clients, topics, 2, 0.82, false);
        publish(clients, topics, 3, 0.90, true);
        RolloutCatalog rollouts = new RolloutCatalog(clients, topics.modelsRollout.name());

        Run broken = models(broker, prefix, "promote", MODEL + ":3");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).contains("pets:3", "cannot be served", "sha256");
        assertThat(models(broker, prefix, "promote", MODEL + ":9").err()).contains("no complete version pets:9",
                "published: [1, 2]");
        assertThat(rollouts.states()).as("nothing written").isEmpty();

        Run promoted = models(broker, prefix, "promote", MODEL + ":1", "--reason", "v2 regressed on night photos");
        assertThat(promoted.exitCode()).as(promoted.err()).isZero();
        assertThat(promoted.out()).contains("production pets:2 -> pets:1");
        RolloutState before = rollouts.state(MODEL);
        assertThat(before.change().reason()).isEqualTo("v2 regressed on night photos");
        assertThat(before.change().by()).contains("@");

        Run heavy = models(broker, prefix, "canary", MODEL + ":2", "--weight", "101");
        assertThat(heavy.exitCode()).isEqualTo(1);
        assertThat(heavy.err()).contains("0 to 100");
        Run sameAsProduction = models(broker, prefix, "shadow", MODEL + ":1");
        assertThat(sameAsProduction.exitCode()).isEqualTo(1);
        assertThat(sameAsProduction.err()).contains("pets:1 is production");
        assertThat(models(broker, prefix, "rule", MODEL, "best").err()).contains("newest, better, manual");
        assertThat(rollouts.state(MODEL)).isEqualTo(before);

        assertThat(models(broker, prefix, "canary", MODEL + ":2", "--weight", "10").exitCode()).isZero();
        assertThat(models(broker, prefix, "shadow", MODEL + ":2").exitCode()).isZero();
        try (KafkaProducer<String, ClassifyResult> answers = clients.producer("answers", new StringSerializer(),
                ClassifyResult.SERDE);
             KafkaProducer<String, ShadowAnswer> shadow = clients.producer("shadow", new StringSerializer(),
                     ShadowAnswer.SERDE)) {
            for (int i = 0; i < 10; i++) {
                boolean canary = i == 0;
                answers.send(new ProducerRecord<>(topics.classifyResults.name(), "r" + i, ClassifyResult.answer("r" + i,
                        "r" + i, "cat", 0.9, Map.of("cat", 0.9, "dog", 0.1), MODEL, canary ? 2 : 1, 10 + i,
                        canary ? "canary" : "production")));
            }
            for (int i = 1; i <= 3; i++) {
                shadow.send(new ProducerRecord<>(topics.classifyShadow.name(), "r" + i, new ShadowAnswer(
                        ShadowAnswer.SCHEMA_VERSION, "r" + i, MODEL, 2, i == 3 ? "dog" : "cat", 0.7, 1, "cat", 12)));
            }
        }
        Run status = models(broker, prefix, "status", MODEL);
        System.out.print(status.out());
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("production  pets:1", "canary      pets:2 at 10%", "shadow      pets:2",
                "rule        newest", "previous    [2]");
        assertThat(status.out().lines().filter(l -> l.startsWith("pets:1/production"))).singleElement().asString()
                .contains(" 9 ", "90.0%", "0.9000");
        assertThat(status.out().lines().filter(l -> l.startsWith("pets:2/canary"))).singleElement().asString()
                .contains(" 1 ", "10.0%");
        assertThat(status.out().lines().filter(l -> l.startsWith("pets:2/shadow"))).singleElement().asString()
                .contains(" 3 ", "66.7%");

        // The history: every change, who made it and why, oldest first; refused changes are not in it.
        List<String> changes = status.out().lines().dropWhile(l -> !l.startsWith("changes, newest last:")).skip(1)
                .takeWhile(l -> !l.isBlank()).toList();
        String me = dev.pixelflow.common.rollout.RolloutChange.whoAmI();
        assertThat(changes).hasSize(3);
        assertThat(changes.get(0)).contains("promote", me, "production pets:2 -> pets:1",
                "(reason: v2 regressed on night photos)");
        assertThat(changes.get(1)).contains("canary", me, "canary pets:2 at 10%");
        assertThat(changes.get(2)).contains("shadow", me, "shadow pets:2");

        Run back = models(broker, prefix, "rollback", MODEL, "--reason", "canary looked worse");
        assertThat(back.exitCode()).as(back.err()).isZero();
        Run after = models(broker, prefix, "status", MODEL);
        assertThat(after.out().lines().dropWhile(l -> !l.startsWith("changes, newest last:")).skip(1)
                .takeWhile(l -> !l.isBlank()).toList()).hasSize(4).last().asString()
                .contains("rollback", me, "production pets:1 rolled back to pets:2", "(reason: canary looked worse)");
        assertThat(rollouts.state(MODEL).production()).isEqualTo(2);
        assertThat(rollouts.state(MODEL).canary()).as("the canary was v2: it is production now").isNull();
    }
}
