package dev.pixelflow.trainer;

import dev.pixelflow.common.message.EpochMetrics;

/** What a running job reports; the worker turns these into training.metrics events. */
interface JobEvents {
    void started(int startEpoch, int epochs, int trainSize, int valSize, long parameters);

    void progress(int epoch, long batch, long batches);

    void epoch(EpochMetrics metrics, int epochs);
}
