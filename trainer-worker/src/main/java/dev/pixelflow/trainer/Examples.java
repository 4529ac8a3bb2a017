package dev.pixelflow.trainer;

/** One split of a job's dataset: held in memory, or read back from {@code tensors} on every pass. */
sealed interface Examples permits Examples.InMemory, Examples.Streamed {
    int size();

    /** uint8 HWC pixels and class indices, in snapshot order. */
    record InMemory(byte[][] pixels, int[] labels) implements Examples {
        public InMemory {
            if (pixels.length != labels.length) {
                throw new IllegalArgumentException(pixels.length + " images but " + labels.length + " labels");
            }
        }

        @Override
        public int size() {
            return labels.length;
        }
    }

    /** The offsets of the split's records; each pass reads them again through {@code stream}. */
    record Streamed(SnapshotStream stream, Selection selection) implements Examples {
        @Override
        public int size() {
            return selection.size();
        }
    }
}
