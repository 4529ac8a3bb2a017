package dev.pixelflow.trainer;

import dev.pixelflow.common.image.ImageShape;
import java.util.List;
import java.util.Map;

/**
 * The training data of one job, read from a snapshot of {@code tensors}: uint8 HWC pixels in memory when they fit
 * the memory budget, else the training split (and the validation split when it does not fit either) streamed from
 * the snapshot every epoch. Labels are class indices into {@code classNames}.
 *
 * @param snapshot     end offsets of tensors per partition that were read (lineage for the model's metadata)
 * @param streamBudget how a streamed split uses the memory budget
 */
record Dataset(ImageShape shape, List<String> classNames, Examples train, Examples val, Map<Integer, Long> snapshot,
               StreamBudget streamBudget) {

    /** A dataset held in memory entirely. */
    Dataset(ImageShape shape, List<String> classNames, byte[][] trainPixels, int[] trainLabels, byte[][] valPixels,
            int[] valLabels, Map<Integer, Long> snapshot, StreamBudget streamBudget) {
        this(shape, classNames, new Examples.InMemory(trainPixels, trainLabels), new Examples.InMemory(valPixels, valLabels),
                snapshot, streamBudget);
    }

    int trainSize() {
        return train.size();
    }

    int valSize() {
        return val.size();
    }

    boolean streamed() {
        return train instanceof Examples.Streamed || val instanceof Examples.Streamed;
    }
}
