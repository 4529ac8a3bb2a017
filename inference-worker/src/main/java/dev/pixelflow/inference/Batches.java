package dev.pixelflow.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Grouping a poll's requests by the model that answers them. */
final class Batches {
    private Batches() {
    }

    /** The requests (indices into the poll, in input order) that one model answers. */
    record Group<K>(K key, List<Integer> indices) {
    }

    /** Indices 0..count-1 grouped by {@code keyOf} (null keys are left out), groups in order of first appearance. */
    static <K> List<Group<K>> groups(int count, IntFunction<K> keyOf) {
        Map<K, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            K key = keyOf.apply(i);
            if (key != null) {
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
        }
        List<Group<K>> out = new ArrayList<>();
        groups.forEach((key, indices) -> out.add(new Group<>(key, List.copyOf(indices))));
        return out;
    }

    /** Index of the largest value (the first on ties). */
    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
