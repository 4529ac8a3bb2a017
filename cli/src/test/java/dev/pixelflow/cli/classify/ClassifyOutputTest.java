package dev.pixelflow.cli.classify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassifyOutputTest {
    private static ClassifyClient.Outcome answered(ClassifyResult r) {
        return new ClassifyClient.Outcome(0, "photos/cat.1.jpg", "req-1", "run-0", ClassifyClient.Status.ANSWERED, r, null);
    }

    @Test
    void aLabelLineHasFileLabelConfidenceAndModelVersion() {
        ClassifyResult r = ClassifyResult.answer("req-1", "run-0", "cat", 0.97312, Map.of("cat", 0.97312, "dog", 0.02688),
                "pets", 3, 12, "production");
        assertThat(ClassifyOutput.line(answered(r))).isEqualTo("photos/cat.1.jpg  cat  0.9731  pets:3");
    }

    @Test
    void errorsSkipsAndTimeoutsSayWhat() {
        ClassifyResult r = ClassifyResult.failure("req-1", "run-0", "corrupt", "JPEG image could not be decoded", "pets", 3, 5, null);
        assertThat(ClassifyOutput.line(answered(r))).isEqualTo("photos/cat.1.jpg  ERROR corrupt: JPEG image could not be decoded");
        assertThat(ClassifyOutput.line(new ClassifyClient.Outcome(1, "notes.txt", null, null, ClassifyClient.Status.SKIPPED,
                null, "not an image"))).isEqualTo("notes.txt  SKIPPED not an image");
        assertThat(ClassifyOutput.line(new ClassifyClient.Outcome(2, "x.jpg", "r", "c", ClassifyClient.Status.TIMED_OUT, null,
                "no answer within 30s"))).isEqualTo("x.jpg  TIMEOUT no answer within 30s");
    }

    @Test
    void jsonLinesCarryTheAnswer() throws Exception {
        ClassifyResult r = ClassifyResult.answer("req-1", "run-0", "dog", 0.6, Map.of("cat", 0.4, "dog", 0.6), "pets", 2, 40, "production");
        JsonNode n = Json.MAPPER.readTree(ClassifyOutput.json(answered(r)));
        assertThat(n.get("file").asText()).isEqualTo("photos/cat.1.jpg");
        assertThat(n.get("status").asText()).isEqualTo("ok");
        assertThat(n.get("label").asText()).isEqualTo("dog");
        assertThat(n.get("confidence").asDouble()).isEqualTo(0.6);
        assertThat(n.get("scores").get("cat").asDouble()).isEqualTo(0.4);
        assertThat(n.get("model").asText()).isEqualTo("pets");
        assertThat(n.get("version").asInt()).isEqualTo(2);
        assertThat(n.get("requestId").asText()).isEqualTo("req-1");
        JsonNode timeout = Json.MAPPER.readTree(ClassifyOutput.json(new ClassifyClient.Outcome(2, "x.jpg", "r", "c",
                ClassifyClient.Status.TIMED_OUT, null, "no answer within 30s")));
        assertThat(timeout.get("status").asText()).isEqualTo("timeout");
        assertThat(timeout.get("reason").asText()).contains("30s");
    }
}
