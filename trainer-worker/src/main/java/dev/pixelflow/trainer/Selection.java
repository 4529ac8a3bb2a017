package dev.pixelflow.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which records of a {@code tensors} snapshot make one split of a streamed dataset: their offsets, sorted, per
 * partition. Offsets are all a streamed epoch needs to find its records again, at 8 bytes per image instead of the
 * image; they also make "each record once per epoch" structural, since every offset is read once per pass.
 *
 * @param digest sum of the first 8 bytes of every record's content hash: a pass that delivers the same records
 *               reaches the same sum whatever their order
 */
record Selection(Map<Integer, long[]> offsets, int size, long digest) {

    /** A run of consecutive selected offsets of one partition: the unit a streamed epoch seeks to. */
    record Chunk(int partition, long[] offsets, int from, int to) {
        long first() {
            return offsets[from];
        }

        long last() {
            return offsets[to - 1];
        }

        int size() {
            return to - from;
        }
    }

    Selection {
        Map<Integer, long[]> copy = new TreeMap<>();
        int n = 0;
        for (Map.Entry<Integer, long[]> e : offsets.entrySet()) {
            long[] sorted = e.getValue().clone();
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new IllegalArgumentException("offset " + sorted[i] + " of partition " + e.getKey() + " selected twice");
                }
            }
            if (sorted.length > 0) {
                copy.put(e.getKey(), sorted);
                n += sorted.length;
            }
        }
        if (n != size) {
            throw new IllegalArgumentException("selection size " + size + " but " + n + " offsets");
        }
        offsets = java.util.Collections.unmodifiableMap(copy);
    }

    /** The selection cut into runs of at most {@code length} offsets, partition by partition, in offset order. */
    List<Chunk> chunks(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("chunk length must be at least 1, got " + length);
        }
        List<Chunk> out = new ArrayList<>();
        offsets.forEach((p, offs) -> {
            for (int from = 0; from < offs.length; from += length) {
                out.add(new Chunk(p, offs, from, Math.min(offs.length, from + length)));
            }
        });
        return out;
    }

    /** Collects a selection record by record; offsets may come in any order. */
    static final class Builder {
        private final Map<Integer, long[]> offsets = new TreeMap<>();
        private final Map<Integer, Integer> counts = new TreeMap<>();
        private long digest;
        private int size;

        void add(int partition, long offset, long hashPrefix) {
            long[] arr = offsets.computeIfAbsent(partition, p -> new long[16]);
            int n = counts.getOrDefault(partition, 0);
            if (n == arr.length) {
                arr = Arrays.copyOf(arr, n * 2);
                offsets.put(partition, arr);
            }
            arr[n] = offset;
            counts.put(partition, n + 1);
            digest += hashPrefix;
            size++;
        }

        Selection build() {
            Map<Integer, long[]> out = new TreeMap<>();
            offsets.forEach((p, arr) -> out.put(p, Arrays.copyOf(arr, counts.get(p))));
            return new Selection(out, size, digest);
        }
    }
}
