package dev.pixelflow.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * One epoch of a streamed training split, as a {@link BatchFeeder.Source}: the selection's chunks are read in an
 * order drawn from the epoch's random source, and every record passes through a {@link ShuffleBuffer} on its way
 * to the feeder. Memory stays at the buffer's slots; the order depends only on (seed, epoch) and the snapshot, so
 * a resumed job sees the same epochs. Records of the training-accuracy sample are kept as they pass.
 */
final class StreamedEpoch implements BatchFeeder.Source {
    private record Item(byte[] pixels, int label) {
    }

    private final Examples.Streamed data;
    private final StreamBudget budget;
    private final TrainSample sample;
    private volatile SnapshotStream.Pass pass;

    /** @param sample where records of the training-accuracy sample are kept, or null */
    StreamedEpoch(Examples.Streamed data, StreamBudget budget, TrainSample sample) {
        this.data = data;
        this.budget = budget;
        this.sample = sample;
    }

    @Override
    public void feed(SplittableRandom rng, BooleanSupplier stopped, BatchFeeder.Sink sink) throws InterruptedException {
        List<Selection.Chunk> chunks = data.selection().chunks(budget.chunkLength());
        List<Selection.Chunk> ordered = new ArrayList<>(chunks.size());
        for (int i : BatchFeeder.shuffled(chunks.size(), rng)) {
            ordered.add(chunks.get(i));
        }
        ShuffleBuffer<Item> buffer = new ShuffleBuffer<>(Math.max(1, Math.min(budget.shuffleImages(), data.size())), rng);
        SnapshotStream.Pass read = data.stream().read(ordered, stopped, (partition, offset, label, pixels, hashPrefix) -> {
            if (sample != null) {
                sample.offer(partition, offset, pixels, label);
            }
            Item out = buffer.add(new Item(pixels, label));
            if (out != null) {
                sink.accept(out.pixels(), out.label());
            }
        });
        Item out;
        while (!stopped.getAsBoolean() && (out = buffer.poll()) != null) {
            sink.accept(out.pixels(), out.label());
        }
        pass = read;
    }

    /** What the pass read from tensors; null until the epoch's records have all gone to the feeder. */
    SnapshotStream.Pass pass() {
        return pass;
    }

    int shuffleSlots() {
        return Math.max(1, Math.min(budget.shuffleImages(), data.size()));
    }
}
