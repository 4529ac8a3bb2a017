package dev.pixelflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pixelflow.common.message.Json;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static Report sample() {
        return new Report("ingest", true)
                .figure("ingest.photos", 4000, "images", 0)
                .figure("ingest.bare", 812.345, "images/s", 1)
                .figure("ingest.pipeline", 760.04, "images/s")
                .ratio("ingest pipeline/bare (batch 8)", 0.5, null)
                .ratio("ingest pipeline/bare", 760.04 / 812.345, 0.90)
                .note("measured beside a training job");
    }

    @Test
    void textIsNameValueUnitLinesThenRatiosWithTheHeadlineLast() {
        assertThat(sample().text()).isEqualTo("""
                ingest.photos 4000 images
                ingest.bare 812.3 images/s
                ingest.pipeline 760.04 images/s
                ratio ingest pipeline/bare (batch 8) = 0.50
                ratio ingest pipeline/bare = 0.94
                """);
    }

    @Test
    void jsonCarriesFiguresRatiosGoalsAndTheHeadline() throws Exception {
        JsonNode root = Json.MAPPER.readTree(sample().json());
        assertThat(root.get("bench").asText()).isEqualTo("ingest");
        assertThat(root.get("quick").asBoolean()).isTrue();
        assertThat(root.get("figures")).hasSize(3);
        assertThat(root.get("figures").get(1).get("name").asText()).isEqualTo("ingest.bare");
        assertThat(root.get("figures").get(1).get("value").asDouble()).isEqualTo(812.345);
        assertThat(root.get("figures").get(1).get("unit").asText()).isEqualTo("images/s");
        assertThat(root.get("ratios")).hasSize(2);
        assertThat(root.get("ratios").get(0).get("goal").isNull()).isTrue();
        JsonNode headline = root.get("headline");
        assertThat(headline.get("what").asText()).isEqualTo("ingest pipeline/bare");
        assertThat(headline.get("goal").asDouble()).isEqualTo(0.90);
        assertThat(headline.get("met").asBoolean()).isTrue();
        assertThat(root.get("notes").get(0).asText()).isEqualTo("measured beside a training job");
    }

    @Test
    void notANumberPrintsAsNotAvailableAndIsNullInJson() throws Exception {
        Report r = new Report("infer", false).figure("infer.paced.b1.p99", Double.NaN, "ms").ratio("x", Double.NaN, 0.9);
        assertThat(r.text()).isEqualTo("infer.paced.b1.p99 n/a ms\nratio x = n/a\n");
        JsonNode root = Json.MAPPER.readTree(r.json());
        assertThat(root.get("figures").get(0).get("value").isNull()).isTrue();
        assertThat(root.get("headline").get("met").isNull()).isTrue();
    }

    @Test
    void namesAndUnitsMustKeepTheLineFormatParseable() {
        Report r = new Report("train", false);
        assertThatThrownBy(() -> r.figure("two words", 1, "s")).hasMessageContaining("figure name");
        assertThatThrownBy(() -> r.figure("ok", 1, "per second")).hasMessageContaining("unit must be one word");
        assertThatThrownBy(() -> r.ratio("a = b", 1, null)).hasMessageContaining("without '='");
        assertThat(r.figure("train.pipeline", 12.5, "images/s").value("train.pipeline")).isEqualTo(12.5);
        assertThatThrownBy(() -> r.value("missing")).hasMessageContaining("no figure named missing");
    }
}
