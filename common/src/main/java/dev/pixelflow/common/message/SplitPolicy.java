package dev.pixelflow.common.message;

/**
 * Train/validation by content hash: the same bytes land in the same split at every ingest, on every worker,
 * in every re-training, so validation figures never leak training images.
 */
public final class SplitPolicy {
    public static final double DEFAULT_VALIDATION_FRACTION = 0.2;
    private final double validationFraction;

    public SplitPolicy(double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0,1), got " + validationFraction);
        }
        this.validationFraction = validationFraction;
    }

    /** Uses the first 8 bytes of the sha256 as a uniform number in [0,1). */
    public Split splitOf(byte[] sha256) {
        if (sha256 == null || sha256.length < 8) {
            throw new IllegalArgumentException("content hash must have at least 8 bytes");
        }
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (sha256[i] & 0xFF);
        }
        double u = (bits >>> 11) * 0x1.0p-53;
        return u < validationFraction ? Split.VALIDATION : Split.TRAIN;
    }

    public double validationFraction() {
        return validationFraction;
    }
}
