package dev.pixelflow.trainer;

import dev.pixelflow.common.image.ImageShape;
import java.util.List;
import java.util.Map;

/**
 * The training data of one job, read from a snapshot of {@code tensors}: uint8 HWC pixels in memory, labels as
 * class indices into {@code classNames}.
 *
 * @param snapshot end offsets of tensors per partition that were read (lineage for the model's metadata)
 */
record Dataset(ImageShape shape, List<String> classNames, byte[][] trainPixels, int[] trainLabels, byte[][] valPixels,
               int[] valLabels, Map<Integer, Long> snapshot) {

    int trainSize() {
        return trainLabels.length;
    }

    int valSize() {
        return valLabels.length;
    }
}
