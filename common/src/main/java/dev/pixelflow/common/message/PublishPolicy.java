package dev.pixelflow.common.message;

/**
 * When a training job publishes versions before its end. The final version is always published; these add
 * intermediate ones, so a long job is usable (and its best epoch kept) before it finishes.
 *
 * @param every  publish after every {@code every}-th epoch; 0 for never
 * @param onBest publish after an epoch whose validation accuracy beats every earlier epoch of the job
 * @param candidate the job's versions are published as candidates only: none becomes production on its own,
 *                  whatever the model's rollout rule (added within schema version 1; absent means false)
 */
public record PublishPolicy(int every, boolean onBest, boolean candidate) {
    private static final PublishPolicy FINAL_ONLY = new PublishPolicy(0, false, false);

    public PublishPolicy {
        if (every < 0) {
            throw new IllegalArgumentException("field 'publish.every' must be 0 (never) or a number of epochs");
        }
    }

    public PublishPolicy(int every, boolean onBest) {
        this(every, onBest, false);
    }

    public static PublishPolicy finalOnly() {
        return FINAL_ONLY;
    }

    /** Whether the epoch just finished (1-based, not the last of the job) is published. */
    public boolean publishesAfter(int epoch, double valAccuracy, double bestEarlierValAccuracy) {
        boolean periodic = every > 0 && epoch % every == 0;
        boolean best = onBest && !Double.isNaN(valAccuracy)
                && (Double.isNaN(bestEarlierValAccuracy) || valAccuracy > bestEarlierValAccuracy);
        return periodic || best;
    }
}
