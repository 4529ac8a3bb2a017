package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Assign;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

class StepPlanTest {
    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    @Test
    void replaysAnOpOnTheArraysItRanOn() {
        INDArray a = Nd4j.createFromArray(1f, 2f, 3f);
        INDArray b = Nd4j.createFromArray(10f, 20f, 30f);
        INDArray sum = Nd4j.create(DataType.FLOAT, 3);
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        run(recorder, new AddOp(), List.of(a, b), sum);

        try (StepPlan plan = StepPlan.of(recorder, List.of(a, b), Map.of("sum", sum), new StepArrayPool(0))) {
            assertThat(plan).isNotNull();
            a.assign(5);
            plan.run();
            assertThat(plan.results().get("sum").toFloatVector()).containsExactly(15f, 25f, 35f);
        }
    }

    @Test
    void refusesAnArrayTheEngineDidNotGiveAndNoOpWrote() {
        INDArray a = Nd4j.createFromArray(1f, 2f);
        INDArray b = Nd4j.createFromArray(3f, 4f);
        INDArray sum = Nd4j.create(DataType.FLOAT, 2);
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        run(recorder, new AddOp(), List.of(a, b), sum);

        assertThat(StepPlan.of(recorder, List.of(a), Map.of("sum", sum), new StepArrayPool(0))).isNull();
    }

    @Test
    void refusesAResultNoOpWrote() {
        INDArray a = Nd4j.createFromArray(1f, 2f);
        INDArray sum = Nd4j.create(DataType.FLOAT, 2);
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        run(recorder, new AddOp(), List.of(a, a), sum);

        assertThat(StepPlan.of(recorder, List.of(a), Map.of("other", Nd4j.create(DataType.FLOAT, 2)), new StepArrayPool(0)))
                .isNull();
    }

    @Test
    void refusesAnOpSameDiffRunsItsOwnWay() {
        INDArray a = Nd4j.createFromArray(1f, 2f);
        INDArray copy = Nd4j.create(DataType.FLOAT, 2);
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        run(recorder, new Assign(), List.of(copy, a), copy);

        assertThat(StepPlan.of(recorder, List.of(a, copy), Map.of("copy", copy), new StepArrayPool(0))).isNull();
    }

    /** Runs a custom op with a context, as SameDiff's session does, and reports it to the recorder. */
    private static void run(StepPlan.Recorder recorder, CustomOp op, List<INDArray> inputs, INDArray output) {
        try (OpContext oc = Nd4j.getExecutioner().buildContext()) {
            oc.setInputArrays(inputs);
            oc.setOutputArrays(output);
            Nd4j.getExecutioner().exec(op, oc);
            recorder.executed((DifferentialFunction) op, oc, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
