package dev.pixelflow.trainer;

/** The worker is stopping: the job ends without publishing and resumes from its checkpoint at the next start. */
final class JobCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobCancelledException() {
        super("cancelled: the trainer is stopping");
    }
}
