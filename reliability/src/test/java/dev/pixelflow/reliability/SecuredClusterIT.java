package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.pixelflow.cli.PixelflowCli;
import dev.pixelflow.common.acl.AccessDenied;
import dev.pixelflow.common.acl.OperationRefusedException;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.inference.InferenceWorkerMain;
import dev.pixelflow.ingest.IngestWorkerMain;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.SecuredTestBroker;
import dev.pixelflow.testkit.SecuredTestBroker.User;
import dev.pixelflow.testkit.TestDatasets;
import dev.pixelflow.testkit.WorkerEnvironment;
import dev.pixelflow.trainer.TrainerWorkerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * pixelflow on a cluster that trusts nobody by default (TLS, SCRAM-SHA-512, StandardAuthorizer, no ACL no access):
 * each worker and the client commands log in as their own user holding exactly the ACLs {@code pixelflow acls}
 * prints, and the whole flow works; then every boundary is tried and refused with one line naming who was refused
 * what. Workers and commands run as processes with the environment docs/operations.md documents. One broker for
 * the class; everything it made is deleted at the end, after the logs were searched for every secret.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredClusterIT {
    private static final String PREFIX = "secured.";
    private static final String MODEL = "secured-model";
    private static final List<String> JVM = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    private static SecuredTestBroker broker;
    private static SecuredRunLogs logs;
    private static RoleRights rights;
    private static User ingest;
    private static User trainer;
    private static User inference;
    private static User client;
    private static User clientWithoutGroup;
    private static User clientWithoutWrite;
    private static final List<JavaProcess> workers = new ArrayList<>();

    @BeforeAll
    static void securedBrokerWithOneUserPerRole() throws IOException {
        logs = SecuredRunLogs.capture(Files.createTempDirectory("pixelflow-secured-logs"));
        broker = SecuredTestBroker.start();
        rights = RoleRights.from(ConfigSource.of(Map.of(KafkaSettings.TOPIC_PREFIX_VAR, PREFIX)), true);
        ingest = broker.createUser("ingest");
        trainer = broker.createUser("trainer");
        inference = broker.createUser("inference");
        client = broker.createUser("client");
        clientWithoutGroup = broker.createUser("client-without-group");
        clientWithoutWrite = broker.createUser("client-without-write");
        broker.allow(rights.bindings(Role.INGEST, ingest.principal()));
        broker.allow(rights.bindings(Role.TRAINER, trainer.principal()));
        broker.allow(rights.bindings(Role.INFERENCE, inference.principal()));
        broker.allow(rights.bindings(Role.CLIENT, client.principal()));
        broker.allow(rights.bindings(Role.CLIENT, clientWithoutGroup.principal()).stream()
                .filter(b -> b.pattern().resourceType() != ResourceType.GROUP).toList());
        broker.allow(rights.bindings(Role.CLIENT, clientWithoutWrite.principal()).stream()
                .filter(b -> !(b.pattern().name().equals(rights.topics().imagesRaw.name())
                        && b.entry().operation() == AclOperation.WRITE)).toList());
    }

    @AfterAll
    static void stopEverythingAndDeleteIt() {
        workers.forEach(w -> w.stop(Duration.ofSeconds(20)));
        SecuredRunLogs.closeAll(broker, logs);
    }

    @Test
    @Order(1)
    void ingestTrainAndClassifyWorkOverTlsWithThePrintedAclsAndNothingElse() throws Exception {
        workers.add(worker("ingest", IngestWorkerMain.class.getName(), ingest));
        workers.add(worker("trainer", TrainerWorkerMain.class.getName(), trainer,
                "PIXELFLOW_STATE_DIR", broker.directory().resolve("trainer-state").toString()));
        workers.add(worker("inference", InferenceWorkerMain.class.getName(), inference));
        Path photos = TestDatasets.dogsVsCats().resolve("train");

        Command sent = command("ingest", client, "ingest", photos.toString(), "--limit-per-class", "12", "--size", "32x32x3");
        assertThat(sent.exitCode()).as(sent.output()).isZero();
        assertThat(sent.output()).contains("24 images");

        Command trained = command("train", client, "train", "--model", MODEL, "--size", "32x32x3", "--preset", "small-cnn",
                "--epochs", "1", "--batch", "8", "--augment", "none", "--timeout", "150s");
        assertThat(trained.exitCode()).as(trained.output()).isZero();

        Path heldOut = TestDatasets.dogsVsCats().resolve("test").resolve("cat.2000.jpg");
        Command classified = command("classify", client, "classify", heldOut.toString(),
                "--model", MODEL, "--timeout", "60s");
        assertThat(classified.exitCode()).as(classified.output()).isZero();
        assertThat(classified.output()).containsPattern("(cat|dog)").contains(MODEL);

        Command models = command("models", client, "models");
        assertThat(models.exitCode()).as(models.output()).isZero();
        assertThat(models.output()).contains(MODEL + ":1");
        workers.forEach(w -> assertThat(w.isAlive()).as(w.name() + " still running").isTrue());
    }

    @Test
    @Order(2)
    void aRightRevokedWhileTheWorkerRunsStopsItAndNoRequestIsLostOrAnsweredTwice() throws Exception {
        JavaProcess serving = workers.get(2);
        Topics topics = rights.topics();
        List<AclBinding> groupRead = rights.bindings(Role.INFERENCE, inference.principal()).stream()
                .filter(b -> b.pattern().resourceType() == ResourceType.GROUP).toList();
        byte[] photo = Files.readAllBytes(TestDatasets.dogsVsCats().resolve("test").resolve("dog.2000.jpg"));
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaClients(settings(client), "test").producer("requests",
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 40; i++) {
                ids.add("revoked-" + i);
                producer.send(new ProducerRecord<>(topics.classifyRequests.name(), ids.get(i), photo));
                if (i == 20) {
                    producer.flush();
                    broker.revoke(groupRead);
                }
            }
            producer.flush();
        }
        int code = serving.awaitExitCode(COMMAND_TIMEOUT);
        assertThat(code).as(serving.log()).isEqualTo(2);
        assertThat(serving.log()).contains("inference worker: stopped: refused by the cluster: User:inference was refused "
                + "READ on group pixelflow-inference (the inference role needs it");

        broker.allow(groupRead);
        // The same instance id, as an orchestrator restarts it: it fences its predecessor and aborts what that left open.
        workers.set(2, worker("inference", InferenceWorkerMain.class.getName(), inference));
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(answers(topics)).containsKeys(ids.toArray(String[]::new)));
        Map<String, Integer> answers = answers(topics);
        assertThat(ids).allSatisfy(id -> assertThat(answers.get(id)).as("answers to " + id).isEqualTo(1));
    }

    /** How many committed answers each request id has on classify.results, read as the super user. */
    private static Map<String, Integer> answers(Topics topics) {
        Map<String, Object> props = new HashMap<>(broker.superUserClientProperties());
        props.put("isolation.level", "read_committed");
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topics.classifyResults.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> counts.merge(r.key(), 1, Integer::sum));
            }
        }
        return counts;
    }

    @Test
    @Order(3)
    void theIngestPrincipalCannotWriteModels() {
        Topics topics = rights.topics();
        KafkaSettings settings = settings(ingest);
        try (KafkaProducer<String, byte[]> producer = new KafkaClients(settings, "test").producer("intruder",
                new StringSerializer(), new ByteArraySerializer())) {
            Throwable refused = catchThrowable(() -> producer.send(new ProducerRecord<>(topics.models.name(), "manifest/evil/1",
                    new byte[1])).get(60, TimeUnit.SECONDS));
            assertThat(refused).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class);
            assertThat(line(refused, settings, Role.INGEST)).isEqualTo("User:ingest was refused WRITE on topic secured.models, "
                    + "where the ingest role has no right by design");
        }
    }

    @Test
    @Order(4)
    void theInferencePrincipalCannotWriteTensorsNorReadTrainingRequests() {
        Topics topics = rights.topics();
        KafkaSettings settings = settings(inference);
        KafkaClients clients = new KafkaClients(settings, "test");
        try (KafkaProducer<String, byte[]> producer = clients.producer("intruder", new StringSerializer(), new ByteArraySerializer())) {
            Throwable refused = catchThrowable(() -> producer.send(new ProducerRecord<>(topics.tensors.name(), "k", new byte[1]))
                    .get(60, TimeUnit.SECONDS));
            assertThat(refused).cause().isInstanceOf(TopicAuthorizationException.class);
            assertThat(line(refused, settings, Role.INFERENCE)).contains("User:inference was refused WRITE on topic secured.tensors");
        }
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topics.trainingRequests.name(), 0)));
            // Kafka's error names the topic only; pixelflow's consumers say that a poll is a READ.
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(30)))
                    .isInstanceOf(OperationRefusedException.class).cause().isInstanceOf(TopicAuthorizationException.class);
            Throwable refused = catchThrowable(() -> consumer.poll(Duration.ofSeconds(30)));
            assertThat(line(refused, settings, Role.INFERENCE)).isEqualTo("User:inference was refused READ on topic "
                    + "secured.training.requests, where the inference role has no right by design");
        }
    }

    @Test
    @Order(5)
    void aWorkerRefusedAtStartStopsAsAConfigurationError() {
        // An inference worker given the ingest worker's login: it may not even create the topics it serves.
        JavaProcess misconfigured = worker("inference-as-ingest", InferenceWorkerMain.class.getName(), ingest);
        int code = misconfigured.awaitExitCode(COMMAND_TIMEOUT);
        assertThat(code).as(misconfigured.log()).isEqualTo(2);
        assertThat(misconfigured.log()).containsPattern(
                "inference worker: refused by the cluster at start: User:ingest was refused CREATE on topic secured\\.(classify\\.requests|classify\\.results|models)");
    }

    @Test
    @Order(6)
    void aClientWithoutItsGroupAclIsRefusedNamingTheGroup() {
        Command sent = command("ingest-without-group", clientWithoutGroup, "ingest",
                TestDatasets.dogsVsCats().resolve("train").toString(), "--limit-per-class", "1", "--size", "32x32x3");
        assertThat(sent.exitCode()).isEqualTo(1);
        assertThat(sent.output()).contains("pixelflow ingest: User:client-without-group was refused DESCRIBE on group pixelflow-ingest");
    }

    @Test
    @Order(7)
    void aClientWithoutOneOfItsTopicAclsIsRefusedNamingIt() {
        Command sent = command("ingest-without-write", clientWithoutWrite, "ingest",
                TestDatasets.dogsVsCats().resolve("train").toString(), "--limit-per-class", "1", "--no-wait");
        assertThat(sent.exitCode()).isEqualTo(1);
        // Without WRITE it cannot even see the topic (WRITE implies DESCRIBE): the first refusal is the describe.
        assertThat(sent.output()).contains("pixelflow ingest: User:client-without-write was refused DESCRIBE on topic "
                + "secured.images.raw (the client role needs WRITE there");
    }

    @Test
    @Order(8)
    void aWrongPasswordIsRefusedAtOnce() {
        Map<String, String> env = new HashMap<>(broker.clientEnvironment(client));
        env.put("KAFKA_SASL_JAAS_CONFIG", env.get("KAFKA_SASL_JAAS_CONFIG").replace(client.password(), "not-" + client.password()));
        Command models = command("models-wrong-password", env, "models");
        assertThat(models.exitCode()).isEqualTo(1);
        assertThat(models.output()).contains("pixelflow models: User:client could not log in to " + broker.bootstrapServers());
        assertThat(models.output()).doesNotContain(client.password());
    }

    @Test
    @Order(9)
    void aClientThatDoesNotTrustTheBrokersCertificateIsRefused() {
        Command models = command("models-untrusting", broker.untrustingClientEnvironment(client), "models");
        assertThat(models.exitCode()).isEqualTo(1);
        assertThat(models.output()).contains("pixelflow models: TLS handshake with " + broker.bootstrapServers() + " failed",
                "the broker's certificate is not trusted");
    }

    @Test
    @Order(10)
    void anUnauthenticatedConnectionIsToldTheListenerExpectsALogin() {
        // TLS without SASL: the listener closes the connection where a login should come, which Kafka's client only retries.
        Command train = command("train-unauthenticated", broker.unauthenticatedClientEnvironment(), "train", "--no-follow",
                "--model", MODEL, "--size", "32x32x3");
        assertThat(train.exitCode()).isEqualTo(1);
        assertThat(train.output()).contains("pixelflow train: the listener at " + broker.bootstrapServers() + " answers no "
                + "client that does not log in, and KAFKA_SECURITY_PROTOCOL is SSL (no SASL login): it likely expects SASL_SSL; "
                + "set KAFKA_SECURITY_PROTOCOL=SASL_SSL with KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG");
    }

    @Test
    @Order(10)
    void aPlaintextClientIsToldTheListenerSpeaksTls() {
        Command models = command("models-plaintext", Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()), "models",
                "status", MODEL);
        assertThat(models.exitCode()).isEqualTo(1);
        assertThat(models.output()).contains("pixelflow models status: the listener at " + broker.bootstrapServers()
                + " speaks TLS, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT (the default): set KAFKA_SECURITY_PROTOCOL=SASL_SSL");
    }

    @Test
    @Order(10)
    void aWorkerLoggingInWithoutTlsStopsAtStartAsAConfigurationError() {
        Map<String, String> env = new HashMap<>(broker.clientEnvironment(ingest));
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        JavaProcess plain = worker("ingest-sasl-plaintext", IngestWorkerMain.class.getName(), env);
        int code = plain.awaitExitCode(COMMAND_TIMEOUT);
        assertThat(code).as(plain.log()).isEqualTo(2);
        assertThat(plain.log()).contains("ingest worker: cannot talk to the cluster at start: the listener at " + broker.bootstrapServers()
                + " speaks TLS, but KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT:");
        assertThat(plain.log()).doesNotContain(ingest.password());
    }

    @Test
    @Order(11)
    void noSecretAppearsInAnyLogOfTheRun() {
        logs.assertNoneContains(broker.secrets(), 10);
    }

    private record Command(int exitCode, String output) {
    }

    private static Command command(String name, User user, String... args) {
        return command(name, broker.clientEnvironment(user), args);
    }

    private static Command command(String name, Map<String, String> security, String... args) {
        Map<String, String> env = new HashMap<>(security);
        env.put(KafkaSettings.TOPIC_PREFIX_VAR, PREFIX);
        JavaProcess p = JavaProcess.start("pixelflow " + name, PixelflowCli.class.getName(), jvm(), List.of(args), env,
                logs.directory().resolve("cli-" + name + ".log"));
        int code = p.awaitExitCode(COMMAND_TIMEOUT);
        return new Command(code, p.log());
    }

    private static JavaProcess worker(String name, String main, User user, String... more) {
        return worker(name, main, broker.clientEnvironment(user), more);
    }

    private static JavaProcess worker(String name, String main, Map<String, String> security, String... more) {
        Map<String, String> env = WorkerEnvironment.of(broker.bootstrapServers(), PREFIX, name, more);
        env.putAll(security);
        env.put("PIXELFLOW_IMAGE_SIZE", "32x32x3");
        env.put("PIXELFLOW_DECODE_THREADS", "1");
        return JavaProcess.start(name, main, jvm(), List.of(), env, logs.directory().resolve(name + ".log"));
    }

    private static List<String> jvm() {
        List<String> jvm = new ArrayList<>(JVM);
        jvm.add("-Dlogback.configurationFile=" + logs.processConfig());
        return jvm;
    }

    private static KafkaSettings settings(User user) {
        Map<String, String> env = new HashMap<>(broker.clientEnvironment(user));
        env.put(KafkaSettings.TOPIC_PREFIX_VAR, PREFIX);
        return KafkaSettings.from(ConfigSource.of(env));
    }

    private static String line(Throwable e, KafkaSettings settings, Role role) {
        return AccessDenied.describe(e, settings, RoleRights.from(ConfigSource.of(Map.of(KafkaSettings.TOPIC_PREFIX_VAR, PREFIX)),
                false), role).orElseThrow();
    }
}
