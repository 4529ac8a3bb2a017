package dev.pixelflow.trainer;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fixed random sample of a streamed training split that training accuracy is measured on, un-augmented. Its
 * records are chosen up front by offset and kept as the first epoch streams past them, so the sample costs no pass
 * of its own. Filled on the feeder's thread; read on the job's thread after the epoch, which the feeder's queue
 * orders after every write.
 */
final class TrainSample {
    private final Map<Long, Integer> slots;
    private final byte[][] pixels;
    private final int[] labels;
    private int filled;

    private TrainSample(Map<Long, Integer> slots, int size) {
        this.slots = slots;
        this.pixels = new byte[size][];
        this.labels = new int[size];
    }

    /** Up to {@code size} records of the selection, drawn by {@code seed}. */
    static TrainSample choose(Selection selection, int size, long seed) {
        int n = Math.min(size, selection.size());
        int[] order = BatchFeeder.shuffled(selection.size(), new SplittableRandom(seed));
        Map<Integer, Integer> slotOfIndex = new HashMap<>();
        for (int i = 0; i < n; i++) {
            slotOfIndex.put(order[i], i);
        }
        Map<Long, Integer> slots = new HashMap<>();
        int index = 0;
        for (Map.Entry<Integer, long[]> e : selection.offsets().entrySet()) {
            for (long offset : e.getValue()) {
                Integer slot = slotOfIndex.get(index++);
                if (slot != null) {
                    slots.put(position(e.getKey(), offset), slot);
                }
            }
        }
        return new TrainSample(slots, n);
    }

    private static long position(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    /** Keeps the record if it belongs to the sample and is not kept yet. */
    void offer(int partition, long offset, byte[] image, int label) {
        if (filled == pixels.length) {
            return;
        }
        Integer slot = slots.get(position(partition, offset));
        if (slot != null && pixels[slot] == null) {
            pixels[slot] = image;
            labels[slot] = label;
            filled++;
        }
    }

    /** The records kept so far, in sample order. */
    Examples.InMemory kept() {
        byte[][] x = new byte[filled][];
        int[] y = new int[filled];
        int k = 0;
        for (int i = 0; i < pixels.length && k < filled; i++) {
            if (pixels[i] != null) {
                x[k] = pixels[i];
                y[k++] = labels[i];
            }
        }
        return new Examples.InMemory(x, y);
    }
}
