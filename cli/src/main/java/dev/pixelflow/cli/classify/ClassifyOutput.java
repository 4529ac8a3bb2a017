package dev.pixelflow.cli.classify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.Json;
import java.util.Locale;
import java.util.TreeMap;

/** How {@code classify} prints one outcome: a text line, or one JSON object per line with {@code --json}. */
public final class ClassifyOutput {
    private ClassifyOutput() {
    }

    /** {@code file  label  confidence  model:version}, or {@code file  ERROR code: detail}. */
    public static String line(ClassifyClient.Outcome o) {
        String name = o.name() == null ? "#" + o.index() : o.name();
        return switch (o.status()) {
            case ANSWERED -> {
                ClassifyResult r = o.result();
                if (r.ok()) {
                    yield String.format(Locale.ROOT, "%s  %s  %.4f  %s:%d", name, r.label(), r.confidence(), r.model(),
                            r.version());
                }
                yield name + "  ERROR " + r.error() + (r.detail() == null ? "" : ": " + r.detail());
            }
            case SKIPPED -> name + "  SKIPPED " + o.reason();
            case SEND_FAILED -> name + "  NOT-SENT " + o.reason();
            case TIMED_OUT -> name + "  TIMEOUT " + o.reason();
        };
    }

    /** The answer's fields plus {@code file} and {@code status} (ok, error, skipped, not-sent, timeout). */
    public static String json(ClassifyClient.Outcome o) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("file", o.name());
        ClassifyResult r = o.result();
        n.put("status", switch (o.status()) {
            case ANSWERED -> r.ok() ? "ok" : "error";
            case SKIPPED -> "skipped";
            case SEND_FAILED -> "not-sent";
            case TIMED_OUT -> "timeout";
        });
        if (o.requestId() != null) {
            n.put("requestId", o.requestId());
            n.put("correlationId", o.correlationId());
        }
        if (r != null) {
            if (r.ok()) {
                n.put("label", r.label());
                n.put("confidence", r.confidence());
                n.set("scores", Json.MAPPER.valueToTree(new TreeMap<>(r.scores())));
            } else {
                n.put("error", r.error());
                n.put("detail", r.detail());
            }
            if (r.model() != null) {
                n.put("model", r.model());
            }
            if (r.version() != null) {
                n.put("version", r.version());
            }
            if (r.route() != null) {
                n.put("route", r.route());
            }
            if (r.latencyMs() != null) {
                n.put("latencyMs", r.latencyMs());
            }
        } else {
            n.put("reason", o.reason());
        }
        try {
            return Json.MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }
}
