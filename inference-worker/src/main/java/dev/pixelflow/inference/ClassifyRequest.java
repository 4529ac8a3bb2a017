package dev.pixelflow.inference;

import dev.pixelflow.common.message.MessageHeaders;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record of {@code classify.requests} as the worker reads it. Reading never fails: a header that cannot be
 * used is kept as {@link #problem} (with its error code) so the request is still answered, once, where the
 * client listens.
 *
 * @param requestId     the record key, or {@code partition-offset} when the key is missing
 * @param correlationId header {@code correlation-id}, else the request id
 * @param replyTo       header {@code reply-to}, else the default results topic
 * @param deadline      header {@code deadline} in epoch millis, or null
 * @param model         header {@code model}, or null for the default model
 * @param timestamp     the request record's timestamp, the start of the answer's latency
 * @param image         the encoded image (empty when the value is null)
 * @param problem       null, or why the request cannot be served as asked
 * @param tta           header {@code tta} ({@code on} or {@code off}): whether to answer with test-time augmentation,
 *                      or null for the model's own setting
 */
public record ClassifyRequest(String requestId, String correlationId, String replyTo, Long deadline, ModelRef model,
                              long timestamp, byte[] image, Problem problem, Boolean tta) {
    /** Kafka's legal topic names (at most 249 of these characters). */
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    /** An error code and a sentence for the client. */
    public record Problem(String code, String detail) {
    }

    public static ClassifyRequest from(ConsumerRecord<String, byte[]> record, String defaultReplyTo) {
        String requestId = record.key() == null || record.key().isBlank()
                ? record.partition() + "-" + record.offset() : record.key();
        String correlationId = MessageHeaders.text(record.headers(), MessageHeaders.CORRELATION_ID);
        if (correlationId == null) {
            correlationId = requestId;
        }
        byte[] image = record.value() == null ? new byte[0] : record.value();
        Problem problem = null;
        String replyTo = MessageHeaders.text(record.headers(), MessageHeaders.REPLY_TO);
        if (replyTo == null) {
            replyTo = defaultReplyTo;
        } else if (!TOPIC_NAME.matcher(replyTo).matches() || replyTo.equals(".") || replyTo.equals("..")) {
            problem = new Problem(ErrorCodes.BAD_REPLY_TO, "reply-to '" + replyTo + "' is not a valid topic name; answered on "
                    + defaultReplyTo);
            replyTo = defaultReplyTo;
        }
        Long deadline = null;
        String deadlineText = MessageHeaders.text(record.headers(), MessageHeaders.DEADLINE);
        if (deadlineText != null) {
            try {
                deadline = Long.parseLong(deadlineText);
            } catch (NumberFormatException e) {
                problem = problem != null ? problem : new Problem(ErrorCodes.BAD_REQUEST,
                        "header 'deadline' must be epoch milliseconds, got '" + deadlineText + "'");
            }
        }
        ModelRef model = null;
        String modelText = MessageHeaders.text(record.headers(), MessageHeaders.MODEL);
        if (modelText != null) {
            try {
                model = ModelRef.parse(modelText);
            } catch (IllegalArgumentException e) {
                problem = problem != null ? problem : new Problem(ErrorCodes.BAD_REQUEST, "header 'model': " + e.getMessage());
            }
        }
        Boolean tta = null;
        String ttaText = MessageHeaders.text(record.headers(), MessageHeaders.TTA);
        if (ttaText != null) {
            switch (ttaText.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "on", "true", "1" -> tta = true;
                case "off", "false", "0" -> tta = false;
                default -> problem = problem != null ? problem : new Problem(ErrorCodes.BAD_REQUEST,
                        "header 'tta' must be on or off, got '" + ttaText + "'");
            }
        }
        return new ClassifyRequest(requestId, correlationId, replyTo, deadline, model, record.timestamp(), image, problem,
                tta);
    }

    /** True when a deadline was given and has passed at {@code nowMillis}. */
    public boolean expiredAt(long nowMillis) {
        return deadline != null && nowMillis > deadline;
    }

    /** Milliseconds from the request's timestamp to {@code nowMillis}, never negative (clocks differ). */
    public long latencyAt(long nowMillis) {
        return Math.max(0, nowMillis - timestamp);
    }

    public ClassifyRequest withReplyTo(String topic, Problem why) {
        return new ClassifyRequest(requestId, correlationId, topic, deadline, model, timestamp, image, why, tta);
    }
}
