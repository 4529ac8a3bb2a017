package dev.pixelflow.common.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pixelflow.common.message.Json;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenFallsToZeroAtTheEnd() {
        LrSchedule cosine = LrSchedule.cosine(2);
        assertThat(cosine.rate(0.1, 1.0, 10)).isCloseTo(0.05, within(1e-4));
        assertThat(cosine.rate(0.1, 2.0, 10)).isCloseTo(0.1, within(1e-12));
        assertThat(cosine.rate(0.1, 6.0, 10)).isCloseTo(0.05, within(1e-12));
        assertThat(cosine.rate(0.1, 10.0, 10)).isCloseTo(0.0, within(1e-12));
        assertThat(cosine.rate(0.1, 0.0, 10)).isGreaterThan(0);
    }

    @Test
    void stepDropsEveryNEpochsAfterWarmUp() {
        LrSchedule step = LrSchedule.step(0, 3, 0.1);
        assertThat(step.rate(1, 2.9, 10)).isEqualTo(1.0);
        assertThat(step.rate(1, 3.0, 10)).isCloseTo(0.1, within(1e-12));
        assertThat(step.rate(1, 6.5, 10)).isCloseTo(0.01, within(1e-12));
    }

    @Test
    void anOptimizerWithoutTheNewFieldsWritesTheSameJsonAsBefore() throws Exception {
        assertThat(Json.MAPPER.writeValueAsString(OptimizerSpec.defaults())).isEqualTo("{\"name\":\"rmsprop\",\"learningRate\":1.0E-4}");
        OptimizerSpec full = OptimizerSpec.of("sgd").withWeightDecay(5e-4).withLabelSmoothing(0.1)
                .withSchedule(LrSchedule.cosine(3));
        String json = Json.MAPPER.writeValueAsString(full);
        assertThat(Json.MAPPER.readValue(json, OptimizerSpec.class)).isEqualTo(full);
        assertThat(json).contains("\"schedule\":{\"kind\":\"cosine\",\"warmupEpochs\":3.0}");
    }

    @Test
    void unknownKindsAreRefusedWithTheValidOnes() {
        assertThatThrownBy(() -> new LrSchedule("linear", 0, 0, 0)).hasMessageContaining("constant, cosine, step");
        assertThatThrownBy(() -> LrSchedule.step(0, 0, 0.1)).hasMessageContaining("stepEpochs >= 1");
    }
}
