package dev.pixelflow.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShuffleBufferTest {

    /** Streams 0..n-1 through a buffer the way a streamed epoch does, checking the bound after every step. */
    private static List<Integer> epoch(int n, int capacity, long seed) {
        ShuffleBuffer<Integer> buffer = new ShuffleBuffer<>(capacity, new SplittableRandom(seed));
        List<Integer> out = new ArrayList<>();
        int largest = 0;
        boolean conserved = true;
        for (int i = 0; i < n; i++) {
            Integer let = buffer.add(i);
            if (let != null) {
                out.add(let);
            }
            largest = Math.max(largest, buffer.size());
            conserved &= out.size() + buffer.size() == i + 1;
        }
        assertThat(largest).isLessThanOrEqualTo(capacity);
        assertThat(conserved).as("every item is either out or waiting").isTrue();
        Integer rest;
        while ((rest = buffer.poll()) != null) {
            out.add(rest);
        }
        assertThat(buffer.size()).isZero();
        return out;
    }

    @Test
    void everyItemComesOutExactlyOnceWhileAtMostCapacityWait() {
        List<Integer> out = epoch(5_000, 64, 1);
        assertThat(out).hasSize(5_000).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 5_000).boxed().toList());
        assertThat(out).isNotEqualTo(IntStream.range(0, 5_000).boxed().toList());
    }

    @Test
    void aStreamShorterThanTheBufferComesOutWholeWhenDrained() {
        assertThat(epoch(10, 64, 2)).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
        assertThat(epoch(0, 64, 2)).isEmpty();
        assertThat(epoch(7, 1, 2)).containsExactlyElementsOf(IntStream.range(0, 7).boxed().toList());
    }

    @Test
    void theOrderIsSetBySeedAndEpochAlone() {
        long seed = 7;
        List<Integer> epoch1 = epoch(1_000, 50, TrainingJob.epochSeed(seed, 1));
        assertThat(epoch(1_000, 50, TrainingJob.epochSeed(seed, 1))).isEqualTo(epoch1);
        assertThat(epoch(1_000, 50, TrainingJob.epochSeed(seed, 2))).isNotEqualTo(epoch1)
                .containsExactlyInAnyOrderElementsOf(epoch1);
        assertThat(epoch(1_000, 50, TrainingJob.epochSeed(seed + 1, 1))).isNotEqualTo(epoch1);
    }

    @Test
    void itemsTravelAsFarAsTheBufferAllows() {
        // The first item can leave at any time, so over many seeds its position spreads well beyond the capacity.
        int capacity = 32;
        int latest = 0;
        for (long seed = 0; seed < 200; seed++) {
            latest = Math.max(latest, epoch(500, capacity, seed).indexOf(0));
        }
        assertThat(latest).isGreaterThan(capacity * 2);
    }

    @Test
    void refusesNoCapacityAndNullItems() {
        assertThatThrownBy(() -> new ShuffleBuffer<Integer>(0, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> new ShuffleBuffer<Integer>(4, new SplittableRandom(1)).add(null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
