package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchesTest {
    @Test
    void groupsByKeyInOrderOfFirstAppearanceKeepingInputOrderWithin() {
        String[] keys = {"a", "b", null, "a", "a", "b", "a", null, "a"};
        List<Batches.Group<String>> groups = Batches.groups(keys.length, i -> keys[i]);
        assertThat(groups).extracting(Batches.Group::key).containsExactly("a", "b");
        assertThat(groups).extracting(Batches.Group::indices).containsExactly(List.of(0, 3, 4, 6, 8), List.of(1, 5));
    }

    @Test
    void nothingToDoGivesNoGroups() {
        assertThat(Batches.groups(0, i -> "a")).isEmpty();
        assertThat(Batches.groups(3, i -> null)).isEmpty();
    }

    @Test
    void argmaxTakesTheFirstOfEqualValues() {
        assertThat(Batches.argmax(new float[] {0.1f, 0.7f, 0.2f})).isEqualTo(1);
        assertThat(Batches.argmax(new float[] {0.5f, 0.5f})).isZero();
    }
}
