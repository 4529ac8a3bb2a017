package dev.pixelflow.ingest;

import dev.pixelflow.common.message.TensorRecord;

/** What became of one raw image: a tensor, or a reason to dead-letter it. */
sealed interface Conversion {
    record Converted(TensorRecord tensor) implements Conversion {
    }

    /**
     * @param reason short stable code, e.g. {@code corrupt}, {@code missing-label}
     * @param errorClass the exception class or "validation"
     */
    record Rejected(String reason, String errorClass, String message) implements Conversion {
    }
}
