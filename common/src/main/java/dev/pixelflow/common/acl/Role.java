package dev.pixelflow.common.acl;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Who talks to the cluster: the three workers, each with its own principal, and the client commands. A worker's
 * transactional id is its role's prefix plus its instance id, so one prefixed ACL covers every instance.
 */
public enum Role {
    INGEST("ingest worker", "pixelflow-ingest-"),
    TRAINER("trainer worker", "pixelflow-trainer-"),
    INFERENCE("inference worker", "pixelflow-inference-"),
    CLIENT("client commands (ingest, train, models, classify, eval, report)", null);

    private final String description;
    private final String transactionalIdPrefix;

    Role(String description, String transactionalIdPrefix) {
        this.description = description;
        this.transactionalIdPrefix = transactionalIdPrefix;
    }

    /** The lower-case name workers go by ({@code ingest}, {@code trainer}, ...). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    /** Empty for the client commands, which write without transactions. */
    public Optional<String> transactionalIdPrefix() {
        return Optional.ofNullable(transactionalIdPrefix);
    }

    /** The transactional id of one worker instance; stable across its restarts. */
    public String transactionalId(String instanceId) {
        if (transactionalIdPrefix == null) {
            throw new IllegalStateException(id() + " writes without transactions");
        }
        return transactionalIdPrefix + instanceId;
    }

    /** The role a worker name ({@code ingest}, {@code trainer}, {@code inference}) stands for. */
    public static Optional<Role> of(String id) {
        return Arrays.stream(values()).filter(r -> r.id().equals(id)).findFirst();
    }
}
