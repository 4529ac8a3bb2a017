package dev.pixelflow.common.rollout;

import java.time.Instant;

/**
 * What made a rollout state what it is: the action, who (user@host, or the trainer instance) and when, the
 * operator's reason, and for decisions the numbers they were made on.
 *
 * @param action  promote, rollback, canary, canary-stop, shadow, shadow-stop, rule, published
 * @param detail  a sentence on what changed (for {@code published}: the accuracies compared and the outcome)
 */
public record RolloutChange(String action, String by, Instant at, String reason, String detail) {
    public RolloutChange {
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException("field 'change.action' is required");
        }
    }

    /** A change made now by this process's user on this host. */
    public static RolloutChange now(String action, String reason, String detail) {
        return new RolloutChange(action, whoAmI(), Instant.now(), reason, detail);
    }

    public RolloutChange withDetail(String text) {
        return new RolloutChange(action, by, at, reason, text);
    }

    /** {@code user@host}, for the record of who changed what. */
    public static String whoAmI() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "unknown-host";
            }
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }
}
