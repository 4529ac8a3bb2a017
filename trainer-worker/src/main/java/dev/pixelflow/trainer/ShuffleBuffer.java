package dev.pixelflow.trainer;

import java.util.SplittableRandom;

/**
 * A fixed number of slots that turns a stream into a shuffled stream, as tf.data's shuffle buffer does: while it
 * fills, items wait; once full, each new item takes the slot of a uniformly chosen waiting one, which goes out.
 * Every item added comes out exactly once (from {@link #add} or from {@link #poll} once the stream ends), and the
 * order depends only on the input order and the random source, so the same seed gives the same epoch.
 */
final class ShuffleBuffer<T> {
    private final Object[] slots;
    private final SplittableRandom rng;
    private int size;

    ShuffleBuffer(int capacity, SplittableRandom rng) {
        if (capacity < 1) {
            throw new IllegalArgumentException("shuffle buffer capacity must be at least 1, got " + capacity);
        }
        this.slots = new Object[capacity];
        this.rng = rng;
    }

    /** Takes {@code item}; returns the item it lets out to make room, or null while the buffer is still filling. */
    @SuppressWarnings("unchecked")
    T add(T item) {
        if (item == null) {
            throw new IllegalArgumentException("a shuffle buffer takes no null items");
        }
        if (size < slots.length) {
            slots[size++] = item;
            return null;
        }
        int j = rng.nextInt(slots.length);
        T out = (T) slots[j];
        slots[j] = item;
        return out;
    }

    /** Removes and returns a uniformly chosen waiting item, or null when empty: drains the buffer at the stream's end. */
    @SuppressWarnings("unchecked")
    T poll() {
        if (size == 0) {
            return null;
        }
        int j = rng.nextInt(size);
        T out = (T) slots[j];
        slots[j] = slots[--size];
        slots[size] = null;
        return out;
    }

    int size() {
        return size;
    }

    int capacity() {
        return slots.length;
    }
}
