package dev.pixelflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks without a container engine that the container files agree with the repository and the code: build
 * targets exist, copied paths exist, every variable compose sets is one the code reads, and health checks probe
 * the port the worker really listens on. docker/test-containers.sh (in CI) builds and runs them for real.
 */
class ComposeFilesTest {
    /** PIXELFLOW_HTTP_PORT defaults of the workers (WorkerLauncher.run(role, port, ...) in each worker's main). */
    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("ingest-worker", 8081, "trainer-worker", 8082,
            "inference-worker", 8083);
    private static final Pattern CODE_VARIABLE = Pattern.compile("\"(PIXELFLOW_[A-Z0-9_]+)\"");
    private static final Pattern SHELL_VARIABLE = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)");
    private static final Pattern LAUNCH = Pattern.compile("WorkerLauncher\\.run\\(\"(\\w+)\",\\s*(\\d+)");

    private static Path root;
    private static JsonNode compose;
    private static JsonNode offline;
    private static List<Stage> stages;

    @BeforeAll
    static void read() throws IOException {
        root = repositoryRoot();
        compose = new YAMLMapper().readTree(root.resolve("docker-compose.yml").toFile());
        offline = new YAMLMapper().readTree(root.resolve("docker-compose.offline.yml").toFile());
        stages = Stage.parse(Files.readString(root.resolve("Dockerfile")));
    }

    @Test
    void everyBuildTargetIsAStageOfTheDockerfile() {
        Set<String> stageNames = new TreeSet<>();
        stages.forEach(s -> stageNames.add(s.name()));
        List<String> workers = workers();
        assertThat(workers).as("services built from the Dockerfile").containsExactlyInAnyOrderElementsOf(DEFAULT_PORTS.keySet());
        for (String service : workers) {
            JsonNode build = compose.at("/services/" + service + "/build");
            assertThat(build.path("context").asText(".")).as("%s build context", service).isEqualTo(".");
            assertThat(build.path("dockerfile").asText("Dockerfile")).as("%s dockerfile", service).isEqualTo("Dockerfile");
            assertThat(stageNames).as("stages of the Dockerfile (FROM ... AS name) for %s's target", service)
                    .contains(build.path("target").asText());
        }
        assertThat(stages.get(0).from()).as("build stage image (default of JDK_IMAGE)").isEqualTo("eclipse-temurin:17-jdk");
        assertThat(stages.get(0).body()).as("build command").anyMatch(l -> l.contains("./mvnw -B -q -DskipTests")
                && l.contains(" package"));
    }

    @Test
    void everyFileTheDockerfileCopiesFromTheRepositoryExists() {
        List<String> sources = new ArrayList<>();
        for (Stage stage : stages) {
            for (String line : stage.body()) {
                List<String> words = words(line);
                if (!words.get(0).equalsIgnoreCase("COPY") && !words.get(0).equalsIgnoreCase("ADD")) {
                    continue;
                }
                List<String> args = words.subList(1, words.size()).stream().filter(w -> !w.startsWith("--")).toList();
                boolean fromStage = words.stream().anyMatch(w -> w.startsWith("--from="));
                if (!fromStage) {
                    sources.addAll(args.subList(0, args.size() - 1));
                }
            }
        }
        assertThat(sources).contains("mvnw", ".mvn/", "pom.xml", "docker/entrypoint.sh", "docker/healthcheck.sh");
        for (String source : sources) {
            assertThat(root.resolve(source)).as("COPY source %s (relative to the repository root)", source).exists();
        }
        // Every module of the parent pom must be in the build context, or Maven cannot read the reactor.
        String pom = read(root.resolve("pom.xml"));
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (modules.find()) {
            assertThat(sources).as("Dockerfile copies module %s", modules.group(1)).contains(modules.group(1) + "/");
        }
        assertThat(read(root.resolve(".dockerignore"))).as(".dockerignore keeps build output out of the context")
                .contains("**/target", ".git");
    }

    @Test
    void eachWorkerTargetRunsItsOwnJarWithItsPortAndHealthCheck() {
        for (String service : workers()) {
            Stage stage = stages.stream().filter(s -> s.name().equals(service)).findFirst().orElseThrow();
            String body = String.join("\n", stage.body());
            String role = service.substring(0, service.indexOf('-'));
            assertThat(body).as("target %s", service)
                    .contains("COPY --from=build /layers/" + role + "/ /opt/pixelflow/",
                            "PIXELFLOW_HTTP_PORT=" + DEFAULT_PORTS.get(service), "EXPOSE " + DEFAULT_PORTS.get(service),
                            "HEALTHCHECK ", "/opt/pixelflow/pixelflow-" + service + ".jar\"]")
                    .containsPattern("ENTRYPOINT \\[\"/opt/pixelflow/entrypoint.sh\"");
            assertThat(ancestors(stage)).as("%s runs on the shared runtime and library stages", service)
                    .contains("runtime", "libs");
        }
        Stage ingest = stages.stream().filter(s -> s.name().equals("ingest-worker")).findFirst().orElseThrow();
        assertThat(ancestors(ingest)).as("the ingest worker runs no network: no ND4J layer under it")
                .doesNotContain("engine-libs");
        assertThat(read(root.resolve("docker/layer-libs.sh"))).contains("pixelflow-$w-worker.jar", "OUT/shared/lib/",
                "OUT/engine/lib/");
        Stage build = stages.get(0);
        assertThat(build.body()).as("the build sorts the jars into layers")
                .anyMatch(l -> l.contains("docker/layer-libs.sh /layers"));
        Stage runtime = stages.stream().filter(s -> s.name().equals("runtime")).findFirst().orElseThrow();
        String body = String.join("\n", runtime.body());
        assertThat(runtime.from()).isEqualTo("eclipse-temurin:17-jre");
        assertThat(body).contains("USER pixelflow", "PIXELFLOW_HTTP_HOST=0.0.0.0", "OMP_WAIT_POLICY=PASSIVE",
                "-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError", "--add-opens java.base/java.nio=ALL-UNNAMED",
                "--add-opens java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens java.base/java.lang=ALL-UNNAMED");
        Stage trainer = stages.stream().filter(s -> s.name().equals("trainer-worker")).findFirst().orElseThrow();
        assertThat(String.join("\n", trainer.body()))
                .contains("PIXELFLOW_STATE_DIR=/var/lib/pixelflow/trainer", "VOLUME /var/lib/pixelflow/trainer");
        assertThat(read(root.resolve("docker/entrypoint.sh")))
                .contains("org.bytedeco.javacpp.platform.extension", "/proc/cpuinfo", "exec java");
    }

    @Test
    void composeSetsOnlyVariablesTheCodeReads() {
        Set<String> read = variablesReadByCode();
        Set<String> entrypoint = variablesReadByEntrypoint();
        for (String service : workers()) {
            Map<String, String> env = environment(service);
            assertThat(env).as("%s environment", service).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
            for (String name : env.keySet()) {
                if (name.startsWith("PIXELFLOW_")) {
                    assertThat(read.contains(name) || entrypoint.contains(name))
                            .as("%s sets %s, which no code in */src/main/java nor docker/entrypoint.sh reads; known: %s",
                                    service, name, read).isTrue();
                } else {
                    // KAFKA_X_Y is a pass-through client setting (x.y); anything else must be one the entrypoint reads.
                    assertThat(name.startsWith("KAFKA_") || entrypoint.contains(name))
                            .as("%s sets %s, which is neither PIXELFLOW_*, KAFKA_* nor read by docker/entrypoint.sh", service, name)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void healthChecksProbeThePortTheWorkerListensOn() {
        Map<String, Integer> launched = portsInWorkerMains();
        for (String service : workers()) {
            String role = service.substring(0, service.indexOf('-'));
            if (launched.containsKey(role)) {
                assertThat(launched.get(role)).as("default port in %s's main", service).isEqualTo(DEFAULT_PORTS.get(service));
            }
            Map<String, String> env = environment(service);
            int expected = env.containsKey("PIXELFLOW_HTTP_PORT") ? Integer.parseInt(env.get("PIXELFLOW_HTTP_PORT"))
                    : DEFAULT_PORTS.get(service);
            String test = compose.at("/services/" + service + "/healthcheck/test").toString();
            Matcher port = Pattern.compile("127\\.0\\.0\\.1:(\\d+)/health").matcher(test);
            assertThat(port.find()).as("%s healthcheck asks /health on a port: %s", service, test).isTrue();
            assertThat(Integer.parseInt(port.group(1))).as("%s healthcheck port", service).isEqualTo(expected);
            for (JsonNode mapping : compose.at("/services/" + service + "/ports")) {
                assertThat(mapping.asText()).as("%s published port", service).endsWith(":" + expected);
            }
        }
    }

    @Test
    void brokerIsASingleKraftNodeThatTheWorkersWaitFor() {
        JsonNode kafka = compose.at("/services/kafka");
        assertThat(kafka.path("image").asText()).startsWith("apache/kafka:4.");
        Map<String, String> env = environment("kafka");
        assertThat(env).containsKeys("KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
                        "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
                .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).contains("://kafka:9092");
        assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo(env.get("KAFKA_NODE_ID") + "@kafka:9093");
        assertThat(kafka.path("healthcheck").path("test").isMissingNode()).as("kafka healthcheck").isFalse();
        for (String service : workers()) {
            assertThat(compose.at("/services/" + service + "/depends_on/kafka/condition").asText())
                    .as("%s waits for a healthy broker", service).isEqualTo("service_healthy");
        }
    }

    @Test
    void trainerStateIsANamedVolumeAndInferenceCanScale() {
        String stateDir = environment("trainer-worker").getOrDefault("PIXELFLOW_STATE_DIR", "/var/lib/pixelflow/trainer");
        List<String> mounts = new ArrayList<>();
        compose.at("/services/trainer-worker/volumes").forEach(v -> mounts.add(v.asText()));
        String mount = mounts.stream().filter(m -> m.endsWith(":" + stateDir)).findFirst().orElse(null);
        assertThat(mount).as("trainer-worker mounts a volume at %s: %s", stateDir, mounts).isNotNull();
        String volume = mount.substring(0, mount.indexOf(':'));
        assertThat(compose.at("/volumes").has(volume)).as("named volume %s declared under volumes:", volume).isTrue();

        JsonNode inference = compose.at("/services/inference-worker");
        assertThat(inference.path("ports").isMissingNode()).as("inference-worker publishes no fixed host port (it is scaled)").isTrue();
        assertThat(environment("inference-worker")).as("replicas must not share one instance id")
                .doesNotContainKey("PIXELFLOW_INSTANCE_ID");
        assertThat(read(root.resolve("docker-compose.yml"))).contains("--scale inference-worker=");
    }

    @Test
    void theOfflineOverrideReplacesTheKafkaImageWithTheBrokerTarget() {
        JsonNode kafka = offline.at("/services/kafka");
        assertThat(offline.path("services").size()).as("the override changes only the broker").isEqualTo(1);
        Stage broker = stages.stream().filter(s -> s.name().equals(kafka.at("/build/target").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no Dockerfile stage " + kafka.at("/build/target")));
        String body = String.join("\n", broker.body());
        assertThat(body).contains("pixelflow-broker.jar", "--listen-address\", \"0.0.0.0", "EXPOSE 9092", "HEALTHCHECK ");
        assertThat(kafka.path("image").asText()).isEqualTo("pixelflow/broker:dev");
        // podman-compose appends an override's lists to the base's, so the health check must be a string in both.
        assertThat(kafka.at("/healthcheck/test").isTextual()).as("override kafka healthcheck.test is a string").isTrue();
        assertThat(compose.at("/services/kafka/healthcheck/test").isTextual()).as("base kafka healthcheck.test is a string").isTrue();
        List<String> command = new ArrayList<>();
        kafka.path("command").forEach(c -> command.add(c.asText()));
        assertThat(command).as("containers reach it as kafka:9092, the host through the published 9094")
                .containsSubsequence("--advertised-host", "kafka").containsSubsequence("--external-listener", "9094=localhost:9094");
        assertThat(compose.at("/services/kafka/ports").get(0).asText()).endsWith(":9094:9094");
        // The base service's data volume is mounted where this broker keeps its data.
        assertThat(compose.at("/services/kafka/volumes").get(0).asText()).isEqualTo("kafka-data:/var/lib/kafka/data");
        assertThat(body).contains("\"--data-dir\", \"/var/lib/kafka/data\"", "VOLUME /var/lib/kafka/data");
    }

    /** The stage names {@code stage} builds on, nearest first. */
    private static List<String> ancestors(Stage stage) {
        List<String> out = new ArrayList<>();
        for (String from = stage.from(); ; ) {
            String name = from;
            Stage parent = stages.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
            if (parent == null) {
                return out;
            }
            out.add(name);
            from = parent.from();
        }
    }

    private static List<String> workers() {
        List<String> out = new ArrayList<>();
        compose.path("services").fields().forEachRemaining(e -> {
            if (e.getValue().has("build")) {
                out.add(e.getKey());
            }
        });
        return out;
    }

    /** A service's environment, written either as a map or as a list of NAME=value. */
    private static Map<String, String> environment(String service) {
        JsonNode env = compose.at("/services/" + service + "/environment");
        Map<String, String> out = new LinkedHashMap<>();
        if (env.isObject()) {
            env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else if (env.isArray()) {
            env.forEach(item -> {
                String text = item.asText();
                int eq = text.indexOf('=');
                out.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
            });
        }
        return out;
    }

    /** Every "PIXELFLOW_..." string literal in the main sources of every module. */
    private static Set<String> variablesReadByCode() {
        Set<String> names = new TreeSet<>();
        mainSources().forEach(file -> {
            Matcher m = CODE_VARIABLE.matcher(read(file));
            while (m.find()) {
                names.add(m.group(1));
            }
        });
        assertThat(names).as("PIXELFLOW_ variables found in */src/main/java (is the scan looking in the right place?)")
                .hasSizeGreaterThan(10).contains("PIXELFLOW_HTTP_PORT", "PIXELFLOW_STATE_DIR");
        assertThat(mainSources().anyMatch(f -> read(f).contains("\"KAFKA_BOOTSTRAP_SERVERS\"")))
                .as("KAFKA_BOOTSTRAP_SERVERS is read by name").isTrue();
        return names;
    }

    private static Set<String> variablesReadByEntrypoint() {
        Set<String> names = new TreeSet<>();
        Matcher m = SHELL_VARIABLE.matcher(read(root.resolve("docker/entrypoint.sh")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Map<String, Integer> portsInWorkerMains() {
        Map<String, Integer> out = new LinkedHashMap<>();
        mainSources().forEach(file -> {
            Matcher m = LAUNCH.matcher(read(file));
            while (m.find()) {
                out.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        });
        return out;
    }

    private static Stream<Path> mainSources() {
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> files = new ArrayList<>();
            for (Path main : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> walk = Files.walk(main)) {
                    walk.filter(f -> f.toString().endsWith(".java")).forEach(files::add);
                }
            }
            return files.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker-compose.yml")) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (docker-compose.yml and mvnw) above " + Path.of("").toAbsolutePath());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Instruction words; the JSON-array form (["a", "b"]) counts as its elements. */
    private static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.trim().split("\\s+")) {
            String clean = w.replaceAll("^\\[?\"|\",?$|\"\\]$", "");
            if (!clean.isEmpty() && !clean.equals("[") && !clean.equals("]")) {
                out.add(clean);
            }
        }
        return out;
    }

    /** One FROM ... AS name block of the Dockerfile, its instructions with continuation lines joined. */
    private record Stage(String from, String name, List<String> body) {
        private static final Pattern FROM = Pattern.compile("(?i)^FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?\\s*$");

        private static final Pattern GLOBAL_ARG = Pattern.compile("(?i)^ARG\\s+(\\w+)=(\\S+)$");

        /** Stages with {@code FROM ${ARG}} resolved to the ARG's default, as a build without --build-arg sees it. */
        static List<Stage> parse(String dockerfile) {
            List<String> instructions = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String raw : dockerfile.split("\n")) {
                String line = raw.strip();
                if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                    continue;
                }
                if (line.startsWith("#")) {
                    continue; // comment inside a continued instruction
                }
                if (line.endsWith("\\")) {
                    current.append(line, 0, line.length() - 1).append(' ');
                } else {
                    current.append(line);
                    instructions.add(current.toString().replaceAll("\\s+", " ").trim());
                    current.setLength(0);
                }
            }
            List<Stage> out = new ArrayList<>();
            Map<String, String> globalArgs = new LinkedHashMap<>();
            for (String instruction : instructions) {
                Matcher m = FROM.matcher(instruction);
                Matcher arg = GLOBAL_ARG.matcher(instruction);
                if (m.matches()) {
                    String from = m.group(1);
                    for (Map.Entry<String, String> a : globalArgs.entrySet()) {
                        from = from.replace("${" + a.getKey() + "}", a.getValue());
                    }
                    out.add(new Stage(from, m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT), new ArrayList<>()));
                } else if (out.isEmpty() && arg.matches()) {
                    globalArgs.put(arg.group(1), arg.group(2));
                } else {
                    assertThat(out).as("instruction before the first FROM: %s", instruction).isNotEmpty();
                    out.get(out.size() - 1).body().add(instruction);
                }
            }
            return out;
        }
    }
}
