package dev.pixelflow.engine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.assertj.core.api.Assertions.assertThat;

class StepArrayPoolTest {
    @BeforeAll
    static void nativeBuild() {
        NativeBackend.configure();
    }

    @Test
    void theNextCallGetsTheSameMemoryUnderANewId() {
        try (StepArrayPool pool = new StepArrayPool(1 << 20)) {
            INDArray first = pool.allocate(false, DataType.FLOAT, 4, 8);
            long id = first.getId();
            pool.endCall();

            INDArray second = pool.allocate(false, DataType.FLOAT, 4, 8);
            assertThat(second).isSameAs(first);
            assertThat(second.getId()).isNotEqualTo(id);
            INDArray other = pool.allocate(false, DataType.FLOAT, 4, 8);
            assertThat(other).isNotSameAs(first); // lent twice in one call: two arrays
            assertThat(pool.allocate(false, DataType.DOUBLE, 4, 8).dataType()).isEqualTo(DataType.DOUBLE);
            assertThat(pool.reused()).isEqualTo(1);
            assertThat(pool.allocated()).isEqualTo(3);
        }
    }

    @Test
    void freeArraysBeyondTheBudgetGoLeastRecentlyUsedFirstButNotTheLastCallsOwn() {
        long budget = 1000 * 4; // 1000 floats
        try (StepArrayPool pool = new StepArrayPool(budget)) {
            INDArray old = pool.allocate(false, DataType.FLOAT, 600);
            pool.endCall();
            INDArray recent = pool.allocate(false, DataType.FLOAT, 300);
            pool.endCall();
            assertThat(pool.freeBytes()).isEqualTo(900 * 4);

            INDArray big = pool.allocate(false, DataType.FLOAT, 800); // this call's own: kept even over budget
            pool.endCall();
            assertThat(old.wasClosed()).isTrue();
            assertThat(recent.wasClosed()).isTrue();
            assertThat(big.wasClosed()).isFalse();
            assertThat(pool.freeBytes()).isEqualTo(800 * 4);
        }
    }

    @Test
    void handedOverArraysAreNotLentAgainUntilTakenBack() {
        try (StepArrayPool pool = new StepArrayPool(1 << 20)) {
            INDArray kept = pool.allocate(false, DataType.FLOAT, 4, 8);
            assertThat(pool.handOver()).containsExactly(kept);

            INDArray meanwhile = pool.allocate(false, DataType.FLOAT, 4, 8);
            assertThat(meanwhile).isNotSameAs(kept);
            pool.endCall();
            pool.takeBack(java.util.List.of(kept));

            assertThat(pool.allocate(false, DataType.FLOAT, 4, 8)).isIn(kept, meanwhile);
            assertThat(pool.allocate(false, DataType.FLOAT, 4, 8)).isIn(kept, meanwhile);
            assertThat(pool.allocated()).isEqualTo(2);
            assertThat(kept.wasClosed()).isFalse();
        }
    }

    @Test
    void arraysTakenBackAfterCloseAreFreed() {
        StepArrayPool pool = new StepArrayPool(1 << 20);
        INDArray kept = pool.allocate(false, DataType.FLOAT, 16);
        pool.handOver();
        pool.close();
        assertThat(kept.wasClosed()).isFalse();
        pool.takeBack(java.util.List.of(kept));
        assertThat(kept.wasClosed()).isTrue();
    }

    @Test
    void closeFreesEverything() {
        StepArrayPool pool = new StepArrayPool(1 << 20);
        INDArray kept = pool.allocate(false, DataType.FLOAT, 16);
        pool.endCall();
        INDArray lent = pool.allocate(false, DataType.FLOAT, 32);
        pool.close();
        assertThat(kept.wasClosed()).isTrue();
        assertThat(lent.wasClosed()).isTrue();
        assertThat(pool.freeBytes()).isZero();
    }
}
