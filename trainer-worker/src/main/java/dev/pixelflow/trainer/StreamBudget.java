package dev.pixelflow.trainer;

/**
 * How a streamed dataset shares the memory budget: a quarter for the shuffle buffer, an eighth for the fixed
 * sample of training images that training accuracy is measured on, and the rest for the validation split, which
 * stays in memory when it fits there (it is read every epoch, in order) and is streamed too when it does not.
 *
 * @param shuffleImages   slots of the shuffle buffer
 * @param sampleImages    most training images kept for training accuracy
 * @param validationBytes most validation pixels kept in memory
 * @param chunkLength     records read in a row after each seek: an epoch visits chunks in a random order, and a
 *                        buffer of several chunks mixes records from far apart in the topic (a buffer smaller than
 *                        {@value #CHUNKS_PER_BUFFER} × {@value #MIN_CHUNK} slots holds fewer chunks)
 */
record StreamBudget(int shuffleImages, int sampleImages, long validationBytes, int chunkLength) {
    /** A chunk is at most this many records, so even a large buffer mixes many places of the topic. */
    static final int MAX_CHUNK = 512;
    /**
     * ... and at least this many: every chunk costs a seek and a fetch (about 15 ms on a busy 2-core machine), which
     * a tiny buffer would otherwise pay every record or two, leaving the network waiting for data.
     */
    static final int MIN_CHUNK = 16;
    /** The buffer holds at least this many chunks when it has room for them. */
    static final int CHUNKS_PER_BUFFER = 8;

    StreamBudget {
        if (shuffleImages < 1 || sampleImages < 0 || validationBytes < 0 || chunkLength < 1) {
            throw new IllegalArgumentException("invalid stream budget: " + shuffleImages + " shuffle slots, " + sampleImages
                    + " sample images, " + validationBytes + " validation bytes, chunks of " + chunkLength);
        }
    }

    static StreamBudget of(long budgetBytes, int imageBytes, int maxSample) {
        long shuffle = Math.max(1, Math.min(Integer.MAX_VALUE, budgetBytes / 4 / imageBytes));
        long sample = Math.min(maxSample, budgetBytes / 8 / imageBytes);
        long validation = Math.max(0, budgetBytes - (shuffle + sample) * imageBytes);
        int chunk = (int) Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, shuffle / CHUNKS_PER_BUFFER));
        return new StreamBudget((int) shuffle, (int) sample, validation, chunk);
    }
}
