package dev.pixelflow.common.acl;

import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The cluster refused an operation whose name pixelflow knows (Kafka's own authorization errors name only the
 * resource): creating a topic, for one. An {@link AuthorizationException}, so workers treat it as fatal.
 */
public final class OperationRefusedException extends AuthorizationException {
    private final String operation;
    private final ResourceType resourceType;
    private final String resource;

    public OperationRefusedException(String operation, ResourceType resourceType, String resource, Throwable cause) {
        super(operation + " on " + resourceType.name().toLowerCase(java.util.Locale.ROOT) + " " + resource + " refused", cause);
        this.operation = operation;
        this.resourceType = resourceType;
        this.resource = resource;
    }

    public String operation() {
        return operation;
    }

    public ResourceType resourceType() {
        return resourceType;
    }

    public String resource() {
        return resource;
    }
}
