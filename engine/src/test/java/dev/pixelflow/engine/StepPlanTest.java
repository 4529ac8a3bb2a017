package dev.pixelflow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Plans recorded from SameDiff's own runs of small graphs, as the engine records them. */
class StepPlanTest {
    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
        TrainableOps.install();
    }

    @Test
    void replaysTheOpsOnTheArraysTheyRanOn() {
        SameDiff sd = SameDiff.create();
        INDArray a = Nd4j.createFromArray(1f, 2f, 3f);
        SDVariable in = sd.placeHolder("a", DataType.FLOAT, 3);
        SDVariable b = sd.var("b", Nd4j.createFromArray(10f, 20f, 30f));
        in.add(b).mul(2).rename("y");
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        INDArray y = record(sd, recorder, Map.of("a", a));

        try (StepArrayPool pool = new StepArrayPool(0)) {
            StepPlan plan = StepPlan.of(recorder, List.of(a, b.getArr()), Map.of("y", y), pool);
            assertThat(plan).isNotNull();
            a.assign(5);
            plan.run();
            assertThat(plan.results().get("y").toFloatVector()).containsExactly(30f, 50f, 70f);
        }
    }

    @Test
    void refusesAnArrayTheEngineDidNotGiveAndNoOpWrote() {
        SameDiff sd = SameDiff.create();
        INDArray a = Nd4j.createFromArray(1f, 2f);
        SDVariable in = sd.placeHolder("a", DataType.FLOAT, 2);
        SDVariable b = sd.var("b", Nd4j.createFromArray(3f, 4f));
        in.add(b).rename("y");
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        INDArray y = record(sd, recorder, Map.of("a", a));

        try (StepArrayPool pool = new StepArrayPool(0)) {
            assertThat(StepPlan.of(recorder, List.of(a), Map.of("y", y), pool)).isNull(); // b not given
            assertThat(StepPlan.of(recorder, List.of(a, b.getArr()), Map.of("y", y), pool)).isNotNull();
        }
    }

    @Test
    void refusesAResultNoOpWrote() {
        SameDiff sd = SameDiff.create();
        INDArray a = Nd4j.createFromArray(1f, 2f);
        SDVariable in = sd.placeHolder("a", DataType.FLOAT, 2);
        in.mul(3).rename("y");
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        record(sd, recorder, Map.of("a", a));

        try (StepArrayPool pool = new StepArrayPool(0)) {
            assertThat(StepPlan.of(recorder, List.of(a), Map.of("y", a.dup()), pool)).isNull();
        }
    }

    @Test
    void refusesAnOpSameDiffRunsItsOwnWay() {
        SameDiff sd = SameDiff.create();
        INDArray a = Nd4j.createFromArray(1f, 2f);
        SDVariable in = sd.placeHolder("a", DataType.FLOAT, 2);
        SDVariable predicate = sd.constant("p", Nd4j.scalar(true));
        SDVariable[] branches = sd.switchOp(in, predicate); // control flow: SameDiff routes, it does not run it
        branches[1].mul(2).rename("y");
        StepPlan.Recorder recorder = new StepPlan.Recorder();
        INDArray y = record(sd, recorder, Map.of("a", a));

        try (StepArrayPool pool = new StepArrayPool(0)) {
            assertThat(StepPlan.of(recorder, List.of(a, predicate.getArr()), Map.of("y", y), pool)).isNull();
        }
    }

    /** Runs {@code sd} for its variable "y" in an engine session reporting to {@code recorder}; returns y. */
    private static INDArray record(SameDiff sd, StepPlan.Recorder recorder, Map<String, INDArray> placeholders) {
        EngineSession.recordInto(recorder);
        try {
            return sd.outputSingle(placeholders, "y");
        } finally {
            EngineSession.recordInto(null);
        }
    }
}
