package dev.pixelflow.cli.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalReportTest {
    private static EvalReport catsAndDogs() {
        EvalReport r = new EvalReport();
        for (int i = 0; i < 8; i++) {
            r.add("cat", "cat", "pets", 3);
        }
        for (int i = 0; i < 2; i++) {
            r.add("cat", "dog", "pets", 3);
        }
        for (int i = 0; i < 9; i++) {
            r.add("dog", "dog", "pets", 3);
        }
        r.add("dog", "cat", "pets", 3);
        return r;
    }

    @Test
    void accuracyPrecisionRecallAndTheConfusionMatrix() {
        EvalReport r = catsAndDogs();
        assertThat(r.count()).isEqualTo(20);
        assertThat(r.accuracy()).isEqualTo(17 / 20.0);
        assertThat(r.labels()).containsExactly("cat", "dog");
        assertThat(r.cell("cat", "dog")).isEqualTo(2);
        assertThat(r.cell("dog", "cat")).isEqualTo(1);
        EvalReport.ClassMetrics cat = r.perClass().get(0);
        assertThat(cat.precision()).isCloseTo(8 / 9.0, within(1e-12));
        assertThat(cat.recall()).isCloseTo(8 / 10.0, within(1e-12));
        assertThat(cat.f1()).isCloseTo(2 * (8 / 9.0) * 0.8 / (8 / 9.0 + 0.8), within(1e-12));
        assertThat(cat.support()).isEqualTo(10);
        EvalReport.ClassMetrics dog = r.perClass().get(1);
        assertThat(dog.precision()).isCloseTo(9 / 11.0, within(1e-12));
        assertThat(dog.recall()).isCloseTo(0.9, within(1e-12));
        assertThat(r.mainModel()).isEqualTo("pets:3");
    }

    @Test
    void aClassNeverPredictedHasNoPrecisionAndAPredictedClassWithoutExamplesNoRecall() {
        EvalReport r = new EvalReport();
        r.add("cat", "bird", "m", 1);
        r.add("dog", "dog", "m", 1);
        assertThat(r.labels()).containsExactly("bird", "cat", "dog");
        EvalReport.ClassMetrics bird = r.perClass().get(0);
        assertThat(bird.recall()).isNaN();
        assertThat(bird.precision()).isZero();
        EvalReport.ClassMetrics cat = r.perClass().get(1);
        assertThat(cat.precision()).isNaN();
        assertThat(cat.recall()).isZero();
        assertThat(r.toText()).contains("accuracy 0.5000 (1/2)").contains("cat").contains("-");
    }

    @Test
    void jsonHasTheContractFieldsAndPerClassMetrics() {
        EvalReport r = catsAndDogs();
        r.error("corrupt");
        r.timedOut();
        JsonNode json = r.toJson();
        assertThat(json.get("accuracy").asDouble()).isEqualTo(0.85);
        assertThat(json.get("count").asInt()).isEqualTo(20);
        assertThat(json.get("model").asText()).isEqualTo("pets");
        assertThat(json.get("version").asInt()).isEqualTo(3);
        assertThat(json.get("classes").get("cat").get("recall").asDouble()).isEqualTo(0.8);
        assertThat(json.get("classes").get("dog").get("support").asInt()).isEqualTo(10);
        assertThat(json.get("confusion").get("matrix").toString()).isEqualTo("[[8,2],[1,9]]");
        assertThat(json.get("errors").get("corrupt").asInt()).isEqualTo(1);
        assertThat(json.get("timedOut").asInt()).isEqualTo(1);
        assertThat(json.has("versions")).isFalse();
    }

    @Test
    void aModelChangeDuringTheRunIsReported() {
        EvalReport r = new EvalReport();
        r.add("cat", "cat", "pets", 3);
        r.add("cat", "cat", "pets", 4);
        r.add("cat", "cat", "pets", 4);
        assertThat(r.mainModel()).isEqualTo("pets:4");
        assertThat(r.toJson().get("versions").toString()).isEqualTo("{\"pets:3\":1,\"pets:4\":2}");
        assertThat(r.toText()).contains("warning: the model changed");
    }

    @Test
    void anEmptyReportSaysSoWithoutAMatrix() {
        EvalReport r = new EvalReport();
        r.skipped();
        assertThat(r.accuracy()).isNaN();
        assertThat(r.toJson().get("accuracy").isNull()).isTrue();
        assertThat(r.toText()).contains("evaluated 0 images").contains("1 skipped").doesNotContain("confusion");
        assertThat(List.of(r.skippedCount(), r.unlabelledCount())).containsExactly(1, 0);
    }
}
