package dev.pixelflow.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.cli.PixelflowCli;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.ConsumerGroups;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.image.ImageLimits;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.common.message.TensorRecord;
import dev.pixelflow.common.message.TensorRecordSerde;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.network.OptimizerSpec;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.common.worker.Worker;
import dev.pixelflow.common.worker.WorkerContext;
import dev.pixelflow.common.worker.WorkerLauncher;
import dev.pixelflow.engine.NativeBackend;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.inference.InferenceSettings;
import dev.pixelflow.inference.InferenceWorker;
import dev.pixelflow.ingest.IngestSettings;
import dev.pixelflow.ingest.IngestWorker;
import dev.pixelflow.testkit.JavaProcess;
import dev.pixelflow.testkit.SecuredTestBroker;
import dev.pixelflow.testkit.SecuredTestBroker.User;
import dev.pixelflow.testkit.TestDatasets;
import dev.pixelflow.testkit.WorkerEnvironment;
import dev.pixelflow.trainer.TrainerSettings;
import dev.pixelflow.trainer.TrainerWorker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every right {@code pixelflow acls} prints is needed: for each ACL of each role, a principal holding all of its role's
 * ACLs but that one runs the smallest operation of the role that needs it, which fails with one line naming the
 * principal, the resource and the operation. Then a right revoked while the trainer has a job stops it cleanly, and
 * the job completes once when the right is back.
 *
 * <p>One secured broker (TLS, SCRAM-SHA-512, StandardAuthorizer, no ACL no access) for the class. Each case has its own
 * principal, topic prefix and group names, so it starts from missing topics (the CREATE rights are needed only then)
 * and no case sees another's rights. Workers run in this JVM, as their mains would build them (ND4J loads once), with
 * the refusal line of {@link WorkerLauncher#refusal}; the client commands run as processes of the CLI, whose settings
 * come from the environment.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeastPrivilegeIT {
    private static final Duration FAILS_WITHIN = Duration.ofMinutes(2);
    private static final ImageShape SHAPE = ImageShape.parse("32x32x3");
    private static final String MODEL = "least-privilege";
    private static final List<String> JVM = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final AtomicInteger CASES = new AtomicInteger();
    private static final Logger LOG = LoggerFactory.getLogger(LeastPrivilegeIT.class);

    private static SecuredRunLogs logs;
    private static SecuredTestBroker broker;

    /** An ACL of a role: its position in the role's bindings, the same for every prefix and principal. */
    record AclCase(Role role, int index) {
    }

    @BeforeAll
    static void oneSecuredBroker() throws IOException {
        logs = SecuredRunLogs.capture(Files.createTempDirectory("pixelflow-least-privilege-logs"));
        broker = SecuredTestBroker.start();
        // Before anything touches ND4J, as InferenceWorkerMain does.
        NativeBackend.configure();
    }

    @AfterAll
    static void deleteEverything() {
        SecuredRunLogs.closeAll(broker, logs);
    }

    static Stream<Arguments> everyAcl() {
        RoleRights template = rights(names("PREFIX.", "GROUP"));
        return Arrays.stream(Role.values()).flatMap(role -> {
            List<AclBinding> bindings = template.bindings(role, "User:" + role.id());
            return IntStream.range(0, bindings.size()).mapToObj(i -> Arguments.of(
                    Named.of(role.id() + " without " + label(bindings.get(i)), new AclCase(role, i))));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyAcl")
    @Order(1)
    void removingThisAclMakesTheSmallestOperationThatNeedsItFailNamingIt(AclCase acl) throws Exception {
        int n = CASES.incrementAndGet();
        Map<String, String> names = names("acl" + n + ".", "acl" + n);
        RoleRights rights = rights(names);
        User user = broker.createUser("acl" + n + "-" + acl.role().id());
        List<AclBinding> all = rights.bindings(acl.role(), user.principal());
        AclBinding removed = all.get(acl.index());
        List<AclBinding> rest = all.stream().filter(b -> !b.equals(removed)).toList();
        broker.allow(rest);
        try {
            Map<String, String> env = new HashMap<>(names);
            env.putAll(broker.clientEnvironment(user));
            String line = acl.role() == Role.CLIENT ? commandRefusal(n, env, rights.topics(), removed)
                    : workerRefusal(acl.role(), n, env, rights.topics());
            LOG.info("{} without {}: {}", acl.role().id(), label(removed), line);
            assertThat(line).as("the refusal with %s removed", label(removed)).satisfies(l -> assertNames(l, user, removed));
        } finally {
            broker.revoke(rest);
        }
    }

    /** "User:x was refused OP on KIND NAME", or a refused DESCRIBE naming OP as what the role needs there. */
    private static void assertNames(String line, User user, AclBinding removed) {
        String op = removed.entry().operation().name();
        String name = removed.pattern().name();
        String refused = user.principal() + " was refused ";
        switch (removed.pattern().resourceType()) {
            case TRANSACTIONAL_ID -> assertThat(line).contains(refused + op + " on its transactional id (prefix " + name + ")");
            case GROUP -> assertThat(line).contains(refused + op + " on group " + name);
            case TOPIC -> {
                if (line.contains(refused + "DESCRIBE on topic " + name + " (")) {
                    // READ and WRITE imply DESCRIBE: without the one removed the principal cannot even see the topic.
                    assertThat(op).isIn("READ", "WRITE");
                    assertThat(line).containsPattern("role needs [A-Z, ]*" + op + "[A-Z, ]* there");
                } else {
                    // A refusal whose stack does not show the producer or the consumer names every operation the role
                    // needs on the topic ("READ, WRITE on topic ..."); which path a refusal takes depends on timing.
                    assertThat(line).containsPattern(java.util.regex.Pattern.quote(refused) + "([A-Z]+, )*" + op
                            + "(, [A-Z]+)* on topic " + java.util.regex.Pattern.quote(name) + "(?![\\w.-])");
                }
            }
            default -> throw new AssertionError("no ACL of pixelflow is on a " + removed.pattern().resourceType());
        }
    }

    /**
     * Starts the worker of {@code role}; a trainer that starts is given one small job (its rights on models and
     * models.rollout are used only when it publishes). Returns the line its launcher would log.
     */
    private static String workerRefusal(Role role, int n, Map<String, String> names, Topics topics) throws Exception {
        Map<String, String> env = WorkerEnvironment.of(broker.bootstrapServers(), topics.prefix(), role.id(),
                "PIXELFLOW_IMAGE_SIZE", SHAPE.toString(), "PIXELFLOW_DECODE_THREADS", "1",
                "PIXELFLOW_STATE_DIR", broker.directory().resolve("state-" + n).toString());
        env.putAll(names);
        WorkerContext ctx = WorkerContext.create(role.id(), ConfigSource.of(env), 0, new SimpleMeterRegistry());
        Worker worker = worker(ctx);
        try {
            worker.start();
        } catch (RuntimeException refusedAtStart) {
            return WorkerLauncher.refusal(ctx, refusedAtStart).orElseThrow(() -> new AssertionError("not a refusal", refusedAtStart));
        }
        try {
            if (role == Role.TRAINER) {
                oneSmallJob(topics, "job-" + n, true);
            }
            assertThat(worker.awaitFinished(FAILS_WITHIN)).as(role.id() + " worker stopped").isTrue();
            Throwable failure = worker.failure().orElseThrow(() -> new AssertionError(role.id() + " stopped without a failure"));
            return WorkerLauncher.refusal(ctx, failure).orElseThrow(() -> new AssertionError("not a refusal", failure));
        } finally {
            worker.stop();
        }
    }

    private static Worker worker(WorkerContext ctx) {
        return switch (ctx.role()) {
            case "ingest" -> new IngestWorker(ctx, IngestSettings.from(ctx.source()));
            case "trainer" -> new TrainerWorker(ctx, TrainerSettings.from(ctx.source()));
            case "inference" -> new InferenceWorker(ctx, InferenceSettings.from(ctx.source()));
            default -> throw new IllegalArgumentException(ctx.role());
        };
    }

    /**
     * The client command that needs {@code removed}: {@code models status} ensures and reads every topic of the client
     * commands (rollout, results and shadow); {@code models rule} writes the rollout; {@code ingest} waits on the
     * ingest group. Returns its refusal line; it must exit 1.
     */
    private static String commandRefusal(int n, Map<String, String> env, Topics topics, AclBinding removed) throws Exception {
        boolean rollout = removed.pattern().name().equals(topics.modelsRollout.name());
        List<String> args;
        if (removed.pattern().resourceType() == ResourceType.GROUP) {
            args = List.of("ingest", TestDatasets.dogsVsCats().resolve("train").toString(), "--limit-per-class", "1",
                    "--size", SHAPE.toString());
        } else if (rollout && removed.entry().operation() == AclOperation.WRITE) {
            args = List.of("models", "rule", MODEL, "newest");
        } else {
            if (rollout && removed.entry().operation() == AclOperation.READ) {
                // An empty topic is never fetched from: give the rollout a state to read.
                seed(topics, topics.modelsRollout.name(), "other", RolloutState.SERDE.serialize("", RolloutState.initial("other")));
            }
            args = List.of("models", "status", MODEL);
        }
        List<String> jvm = new ArrayList<>(JVM);
        jvm.add("-Dlogback.configurationFile=" + logs.processConfig());
        JavaProcess command = JavaProcess.start("pixelflow acl" + n, PixelflowCli.class.getName(), jvm, args, env,
                logs.directory().resolve("cli-acl" + n + ".log"));
        int code = command.awaitExitCode(FAILS_WITHIN);
        assertThat(code).as(command.log()).isEqualTo(1);
        return command.log().lines().filter(l -> l.contains(" was refused ")).findFirst()
                .orElseThrow(() -> new AssertionError("no refusal in: " + command.log()));
    }

    /**
     * A right revoked while the trainer runs stops it with the one line, and nothing of the job is lost or published
     * twice: READ on tensors gone when a job takes its dataset, then WRITE on models gone when the job's version is
     * about to go out; each time the trainer stops with the request uncommitted, and with the right back the restarted
     * trainer (same instance, same state directory) resumes the job and publishes its version once.
     */
    @Test
    @Order(2)
    void aRightRevokedWhileTheTrainerHasAJobStopsItAndTheJobCompletesOnceWhenTheRightIsBack() throws Exception {
        Map<String, String> names = names("revoked.", "revoked");
        RoleRights rights = rights(names);
        Topics topics = rights.topics();
        User user = broker.createUser("trainer-revoked");
        broker.allow(rights.bindings(Role.TRAINER, user.principal()));
        Map<String, String> env = WorkerEnvironment.of(broker.bootstrapServers(), topics.prefix(), "trainer",
                "PIXELFLOW_STATE_DIR", broker.directory().resolve("state-revoked").toString());
        env.putAll(names);
        env.putAll(broker.clientEnvironment(user));
        String jobId = "revoked-job";

        // 1. READ on tensors revoked while the trainer runs, before its job reads the dataset.
        List<AclBinding> readTensors = binding(rights, user, topics.tensors.name(), AclOperation.READ);
        TrainerRun first = TrainerRun.start(env);
        broker.revoke(readTensors);
        oneSmallJob(topics, jobId, false);
        assertThat(first.refusal()).isEqualTo(user.principal() + " was refused READ on topic revoked.tensors "
                + "(the trainer role needs it; see bin/pixelflow acls)");
        assertThat(events(topics, jobId)).as("the job is not failed: it is kept").extracting(TrainingEvent::type)
                .doesNotContain(TrainingEvent.Type.FAILED, TrainingEvent.Type.PUBLISHED);

        // 2. READ back, WRITE on models revoked: the job trains, and its version is refused.
        broker.allow(readTensors);
        List<AclBinding> writeModels = binding(rights, user, topics.models.name(), AclOperation.WRITE);
        broker.revoke(writeModels);
        TrainerRun second = TrainerRun.start(env);
        assertThat(second.refusal()).isEqualTo(user.principal() + " was refused WRITE on topic revoked.models "
                + "(the trainer role needs it; see bin/pixelflow acls)");
        assertThat(versions(topics)).as("no version, not even part of one").isEmpty();
        assertThat(events(topics, jobId)).extracting(TrainingEvent::type)
                .doesNotContain(TrainingEvent.Type.FAILED, TrainingEvent.Type.PUBLISHED);
        assertThat(committedRequests(names, topics)).as("the request is not done").isZero();

        // 3. Every right back: the same instance resumes the job and publishes it once.
        broker.allow(writeModels);
        TrainerRun third = TrainerRun.start(env);
        try {
            org.awaitility.Awaitility.await().atMost(FAILS_WITHIN).untilAsserted(() ->
                    assertThat(events(topics, jobId)).extracting(TrainingEvent::type).contains(TrainingEvent.Type.PUBLISHED));
            assertThat(third.worker.healthy()).isTrue();
        } finally {
            third.worker.stop();
        }
        assertThat(versions(topics)).extracting(ModelVersion::ref).containsExactly(MODEL + ":1");
        assertThat(events(topics, jobId)).filteredOn(e -> e.type() == TrainingEvent.Type.PUBLISHED).hasSize(1);
        assertThat(events(topics, jobId)).extracting(TrainingEvent::type).doesNotContain(TrainingEvent.Type.FAILED);
        assertThat(committedRequests(names, topics)).as("the request is done").isEqualTo(1);
    }

    @Test
    @Order(3)
    void noSecretAppearsInAnyLogOfTheRun() {
        logs.assertNoneContains(broker.secrets(), 10);
    }

    /** A trainer in this JVM whose end is awaited. */
    private record TrainerRun(WorkerContext ctx, TrainerWorker worker) {
        static TrainerRun start(Map<String, String> env) {
            WorkerContext ctx = WorkerContext.create("trainer", ConfigSource.of(env), 0, new SimpleMeterRegistry());
            TrainerWorker worker = new TrainerWorker(ctx, TrainerSettings.from(ctx.source()));
            worker.start();
            return new TrainerRun(ctx, worker);
        }

        /** Waits for it to stop, refused: its launcher's line. */
        String refusal() throws InterruptedException {
            try {
                assertThat(worker.awaitFinished(FAILS_WITHIN)).as("trainer stopped").isTrue();
                assertThat(worker.healthy()).isFalse();
                Throwable failure = worker.failure().orElseThrow();
                return WorkerLauncher.refusal(ctx, failure).orElseThrow(() -> new AssertionError("not a refusal", failure));
            } finally {
                worker.stop();
            }
        }
    }

    /**
     * Four photos of each class as tensors, and a one-epoch request for them, written by the super user. The models
     * and rollout topics get a record each when {@code seedCatalogs}: the trainer only fetches from a topic with data.
     */
    private static void oneSmallJob(Topics topics, String jobId, boolean seedCatalogs) throws Exception {
        if (seedCatalogs) {
            seed(topics, topics.models.name(), "note", "not a model: makes the models topic non-empty".getBytes(StandardCharsets.UTF_8));
            seed(topics, topics.modelsRollout.name(), "other", RolloutState.SERDE.serialize("", RolloutState.initial("other")));
        }
        ImagePreprocessor pre = new ImagePreprocessor(ImageLimits.defaults());
        SplitPolicy splits = new SplitPolicy(0.25);
        TensorRecordSerde serde = new TensorRecordSerde();
        List<Path> photos;
        try (Stream<Path> files = Files.list(TestDatasets.dogsVsCats().resolve("train"))) {
            List<Path> sorted = files.sorted().toList();
            photos = Stream.of("cat.", "dog.").flatMap(c -> sorted.stream().filter(p -> p.getFileName().toString().startsWith(c))
                    .limit(4)).toList();
        }
        try (KafkaProducer<String, byte[]> producer = superUserProducer()) {
            List<Future<?>> sent = new ArrayList<>();
            for (Path f : photos) {
                byte[] bytes = Files.readAllBytes(f);
                byte[] hash = ContentHash.sha256(bytes);
                String name = f.getFileName().toString();
                TensorRecord t = new TensorRecord(ImagePreprocessor.fingerprint(SHAPE), -1, name.substring(0, name.indexOf('.')),
                        splits.splitOf(hash), name, hash, pre.toHwc(bytes, SHAPE));
                sent.add(producer.send(new ProducerRecord<>(topics.tensors.name(), t.key(), serde.serialize("", t))));
            }
            TrainingRequest request = new TrainingRequest(TrainingRequest.SCHEMA_VERSION, jobId, MODEL, "small-cnn", null, SHAPE,
                    null, OptimizerSpec.defaults(), 4, 1, null, 7L, null, Instant.now());
            for (Future<?> f : sent) {
                f.get();
            }
            producer.send(new ProducerRecord<>(topics.trainingRequests.name(), jobId,
                    TrainingRequest.SERDE.serialize("", request))).get();
        }
    }

    /** One record on {@code topic} (created if missing), from the super user. */
    private static void seed(Topics topics, String topic, String key, byte[] value) throws Exception {
        TopicAdmin.ensure(broker.admin(), topics.all().stream().filter(t -> t.name().equals(topic)).toList(), Duration.ofSeconds(30));
        try (KafkaProducer<String, byte[]> producer = superUserProducer()) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static KafkaProducer<String, byte[]> superUserProducer() {
        return new KafkaProducer<>(new HashMap<>(broker.superUserClientProperties()), new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaClients superUserClients() {
        return new KafkaClients(new KafkaSettings(broker.superUserClientProperties().get("bootstrap.servers"), "",
                broker.superUserClientProperties().entrySet().stream().filter(e -> !e.getKey().equals("bootstrap.servers"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))), "least-privilege-it");
    }

    /** The complete versions on the models topic, read committed by the super user. */
    private static List<ModelVersion> versions(Topics topics) {
        return new ModelCatalog(superUserClients(), topics.models.name()).versions();
    }

    /** The job's events on training.metrics. */
    private static List<TrainingEvent> events(Topics topics, String jobId) {
        String topic = topics.trainingMetrics.name();
        List<TrainingEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = superUserClients().consumer(null, true, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (jobId.equals(r.key())) {
                        events.add(TrainingEvent.SERDE.deserialize(topic, r.value()));
                    }
                }
            }
        }
        return events;
    }

    /** The trainer group's committed offset on training.requests: the requests it is done with. */
    private static long committedRequests(Map<String, String> names, Topics topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = broker.admin().listConsumerGroupOffsets(
                ConsumerGroups.trainer(ConfigSource.of(names))).partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topics.trainingRequests.name())
                && e.getValue() != null).mapToLong(e -> e.getValue().offset()).sum();
    }

    private static List<AclBinding> binding(RoleRights rights, User user, String topic, AclOperation op) {
        return rights.bindings(Role.TRAINER, user.principal()).stream()
                .filter(b -> b.pattern().name().equals(topic) && b.entry().operation() == op).toList();
    }

    /** The topic prefix and the three group names of one case: nothing is shared between cases. */
    private static Map<String, String> names(String prefix, String groupPrefix) {
        return Map.of(KafkaSettings.TOPIC_PREFIX_VAR, prefix, ConsumerGroups.INGEST_VARIABLE, groupPrefix + "-ingest",
                ConsumerGroups.TRAINER_VARIABLE, groupPrefix + "-trainer", ConsumerGroups.INFERENCE_VARIABLE, groupPrefix + "-inference");
    }

    /** The rights as printed by default (topics created at start, so CREATE is listed). */
    private static RoleRights rights(Map<String, String> names) {
        return RoleRights.from(ConfigSource.of(names), true);
    }

    private static String label(AclBinding b) {
        return b.entry().operation() + " on " + b.pattern().resourceType().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + " " + b.pattern().name();
    }
}
