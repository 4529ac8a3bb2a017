package dev.pixelflow.trainer;

import dev.pixelflow.common.message.EpochMetrics;

/** What a running job reports; the worker turns these into training.metrics events. */
interface JobEvents {
    void started(int startEpoch, int epochs, int trainSize, int valSize, long parameters);

    void progress(int epoch, long batch, long batches);

    void epoch(EpochMetrics metrics, int epochs);

    /** Something about the job deserves a look, but it goes on. */
    void warning(String message);

    /**
     * An intermediate version is due (the request's publish policy): {@code engineFile} is a copy of the network
     * after {@code history}'s last epoch that the receiver owns and deletes once published.
     */
    void interim(java.nio.file.Path engineFile, java.util.List<EpochMetrics> history, java.util.Map<Integer, Long> snapshot,
                 java.util.List<String> classNames);
}
