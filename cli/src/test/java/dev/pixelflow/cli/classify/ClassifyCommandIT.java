package dev.pixelflow.cli.classify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pixelflow.cli.commands.ClassifyCommand;
import dev.pixelflow.cli.commands.EvalCommand;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.Json;
import dev.pixelflow.common.topic.Topics;
import dev.pixelflow.testkit.KafkaBrokerExtension;
import dev.pixelflow.testkit.KafkaTestBroker;
import dev.pixelflow.testkit.TestDatasets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The classify and eval commands end to end over a real broker, against a stand-in worker that answers by the
 * wire contract (the real worker has its own integration tests in inference-worker).
 */
@ExtendWith(KafkaBrokerExtension.class)
@SuppressWarnings("try") // the stand-in worker answers for the duration of each try block
class ClassifyCommandIT {

    /** What a command printed and returned. */
    record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Run run(Callable<Integer> command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("error: " + e.getMessage());
            return 1;
        });
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Copies photos of the shared data set into a temp folder (never into the repository), with their labels by hash. */
    private static Map<String, String> photos(Path into, int perClass) throws Exception {
        Path test = TestDatasets.dogsVsCats().resolve("test");
        Map<String, String> labelBySha = new HashMap<>();
        for (String label : List.of("cat", "dog")) {
            for (int i = 0; i < perClass; i++) {
                String name = label + "." + (2000 + i) + ".jpg";
                byte[] bytes = Files.readAllBytes(test.resolve(name));
                Files.write(into.resolve(name), bytes);
                labelBySha.put(ContentHash.sha256Hex(bytes), label);
            }
        }
        return labelBySha;
    }

    private static String[] kafkaArgs(KafkaTestBroker broker, String prefix, String... more) {
        List<String> args = new ArrayList<>(List.of("--bootstrap", broker.bootstrapServers(), "--topic-prefix", prefix));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    @Test
    void classifyPrintsOneLinePerImageInInputOrderAndJsonWithTheFlag(KafkaTestBroker broker, @TempDir Path dir) throws Exception {
        String prefix = broker.uniqueName("cli-classify") + ".";
        Map<String, String> labels = photos(dir, 3);
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        // Starts like a JPEG, so the command sends it and the worker refuses it.
        Files.write(dir.resolve("fake.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        try (FakeInferenceWorker worker = startWorker(broker, prefix, labels)) {
            Run text = run(new ClassifyCommand(), kafkaArgs(broker, prefix, dir.toString()));
            assertThat(text.exitCode()).as(text.err()).isZero();
            List<String> lines = text.lines();
            assertThat(lines).hasSize(8);
            assertThat(lines.get(0)).isEqualTo(dir.resolve("cat.2000.jpg") + "  cat  0.9000  pets:7");
            assertThat(lines.get(3)).isEqualTo(dir.resolve("dog.2000.jpg") + "  dog  0.9000  pets:7");
            assertThat(lines.get(6)).startsWith(dir.resolve("fake.jpg") + "  ERROR unsupported-format");
            assertThat(lines.get(7)).startsWith(dir.resolve("notes.txt") + "  SKIPPED");

            Run json = run(new ClassifyCommand(), kafkaArgs(broker, prefix, "--json", "--model", "pets:7",
                    dir.resolve("dog.2001.jpg").toString()));
            assertThat(json.exitCode()).as(json.err()).isZero();
            JsonNode n = Json.MAPPER.readTree(json.out());
            assertThat(n.get("file").asText()).isEqualTo(dir.resolve("dog.2001.jpg").toString());
            assertThat(n.get("label").asText()).isEqualTo("dog");
            assertThat(n.get("version").asInt()).isEqualTo(7);
            assertThat(n.get("scores").get("cat").asDouble()).isEqualTo(0.1);

            Run pinned = run(new ClassifyCommand(), kafkaArgs(broker, prefix, "--model", "pets:99",
                    dir.resolve("dog.2001.jpg").toString()));
            assertThat(pinned.exitCode()).isZero();
            assertThat(pinned.out()).contains("ERROR unknown-model-version");
        }
    }

    @Test
    void theTtaFlagsSetTheRequestHeaderAndNoFlagLeavesItToTheVersion(KafkaTestBroker broker, @TempDir Path dir)
            throws Exception {
        String prefix = broker.uniqueName("cli-tta") + ".";
        Map<String, String> labels = photos(dir, 1);
        String image = dir.resolve("cat.2000.jpg").toString();
        try (FakeInferenceWorker worker = startWorker(broker, prefix, labels)) {
            for (String[] flag : new String[][] {{}, {"--tta"}, {"--no-tta"}}) {
                List<String> args = new java.util.ArrayList<>(List.of(flag));
                args.add(image);
                Run r = run(new ClassifyCommand(), kafkaArgs(broker, prefix, args.toArray(String[]::new)));
                assertThat(r.exitCode()).as(r.err()).isZero();
            }
            Run eval = run(new EvalCommand(), kafkaArgs(broker, prefix, "--no-tta", image));
            assertThat(eval.exitCode()).as(eval.err()).isZero();
            assertThat(worker.ttaHeaders()).containsExactly("-", "on", "off", "off");
        }
    }

    @Test
    void anImageWithoutAnswerTimesOutAndTheExitCodeSaysSo(KafkaTestBroker broker, @TempDir Path dir) throws Exception {
        String prefix = broker.uniqueName("cli-timeout") + ".";
        Map<String, String> labels = photos(dir, 2);
        try (FakeInferenceWorker worker = startWorker(broker, prefix, labels)) {
            worker.ignore(Files.readAllBytes(dir.resolve("dog.2001.jpg")));
            Run r = run(new ClassifyCommand(), kafkaArgs(broker, prefix, "--timeout", "3s", dir.toString()));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.lines()).hasSize(4);
            assertThat(r.lines().get(3)).isEqualTo(dir.resolve("dog.2001.jpg") + "  TIMEOUT no answer within 3s");
            assertThat(r.lines().get(0)).endsWith("cat  0.9000  pets:7");
            assertThat(r.err()).contains("1 of 4 images got no answer");
        }
    }

    @Test
    void evalReportsAccuracyPerClassMetricsAndTheConfusionMatrix(KafkaTestBroker broker, @TempDir Path dir) throws Exception {
        String prefix = broker.uniqueName("cli-eval") + ".";
        Map<String, String> labels = photos(dir, 10);
        // The stand-in gets two cats wrong: 18 of 20 right.
        Map<String, String> answers = new HashMap<>(labels);
        for (String name : List.of("cat.2000.jpg", "cat.2001.jpg")) {
            answers.put(ContentHash.sha256Hex(Files.readAllBytes(dir.resolve(name))), "dog");
        }
        try (FakeInferenceWorker worker = startWorker(broker, prefix, answers)) {
            Run text = run(new EvalCommand(), kafkaArgs(broker, prefix, dir.toString()));
            assertThat(text.exitCode()).as(text.err()).isZero();
            assertThat(text.out()).contains("evaluated 20 images with pets:7").contains("accuracy 0.9000 (18/20)")
                    .contains("confusion matrix");
            assertThat(text.out().lines().filter(l -> l.startsWith("cat ")).toList()).anySatisfy(l ->
                    assertThat(l).matches("cat\\s+1\\.0000\\s+0\\.8000\\s+0\\.8889\\s+10"));

            Run json = run(new EvalCommand(), kafkaArgs(broker, prefix, "--json", dir.toString()));
            assertThat(json.exitCode()).as(json.err()).isZero();
            JsonNode n = Json.MAPPER.readTree(json.out());
            assertThat(n.get("accuracy").asDouble()).isEqualTo(0.9);
            assertThat(n.get("count").asInt()).isEqualTo(20);
            assertThat(n.get("model").asText()).isEqualTo("pets");
            assertThat(n.get("version").asInt()).isEqualTo(7);
            assertThat(n.get("classes").get("dog").get("precision").asDouble()).isCloseTo(10 / 12.0,
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat(n.get("confusion").get("matrix").toString()).isEqualTo("[[8,2],[0,10]]");

            Run limited = run(new EvalCommand(), kafkaArgs(broker, prefix, "--json", "--limit", "5", dir.toString()));
            assertThat(limited.exitCode()).as(limited.err()).isZero();
            assertThat(Json.MAPPER.readTree(limited.out()).get("count").asInt()).isEqualTo(5);
        }
    }

    @Test
    void evalOfAnIdxFileUsesTheLabelsFileBesideIt(KafkaTestBroker broker, @TempDir Path dir) throws Exception {
        String prefix = broker.uniqueName("cli-eval-idx") + ".";
        // Four 4x4 gray images with labels 0..3; the stand-in knows three of them.
        int n = 4;
        byte[] images = new byte[n * 16];
        for (int i = 0; i < n; i++) {
            Arrays.fill(images, i * 16, (i + 1) * 16, (byte) (i * 60));
        }
        Path imagesFile = dir.resolve("t10k-images-idx3-ubyte");
        Files.write(imagesFile, idx(0x803, new int[] {n, 4, 4}, images));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x801, new int[] {n}, new byte[] {0, 1, 2, 3}));
        Map<String, String> answers = new HashMap<>();
        List<String> names = List.of("zero", "one", "two", "three");
        for (int i = 0; i < 3; i++) {
            byte[] png = dev.pixelflow.imaging.ImageEncoder.png(Arrays.copyOfRange(images, i * 16, (i + 1) * 16),
                    new dev.pixelflow.common.image.ImageShape(4, 4, 1));
            answers.put(ContentHash.sha256Hex(png), names.get(i));
        }
        try (FakeInferenceWorker worker = startWorker(broker, prefix, answers)) {
            Run r = run(new EvalCommand(), kafkaArgs(broker, prefix, "--json", "--class-names", String.join(",", names),
                    imagesFile.toString()));
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode json = Json.MAPPER.readTree(r.out());
            assertThat(json.get("count").asInt()).isEqualTo(3);
            assertThat(json.get("accuracy").asDouble()).isEqualTo(1.0);
            assertThat(json.get("errors").get("unsupported-format").asInt()).isEqualTo(1);
        }
    }

    private static byte[] idx(int magic, int[] dims, byte[] data) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    private static FakeInferenceWorker startWorker(KafkaTestBroker broker, String prefix, Map<String, String> labelBySha) {
        Topics topics = new Topics(prefix);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(broker.adminProperties())) {
            dev.pixelflow.common.topic.TopicAdmin.ensure(admin, topics.all(), java.time.Duration.ofSeconds(30));
        }
        return new FakeInferenceWorker(broker, topics.classifyRequests.name(), topics.classifyResults.name(), labelBySha);
    }

}
