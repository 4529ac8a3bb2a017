package dev.pixelflow.common.acl;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePattern;

/**
 * Operations a role is allowed on one resource, and why it needs them.
 *
 * @param resource   a topic, group or transactional id (literal or prefixed)
 * @param operations the operations; READ and WRITE imply DESCRIBE, so DESCRIBE is listed only where it is all
 * @param why        what the role does with it, for the printed list
 */
public record Grant(ResourcePattern resource, List<AclOperation> operations, String why) {
    public Grant {
        if (operations.isEmpty()) {
            throw new IllegalArgumentException("a grant needs at least one operation on " + resource);
        }
        operations = List.copyOf(operations);
    }

    /** One ALLOW binding per operation, from any host, as the Admin API's createAcls takes them. */
    public List<AclBinding> bindings(String principal) {
        return operations.stream().map(op -> new AclBinding(resource,
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW))).toList();
    }

    /** "READ, WRITE" */
    public String operationNames() {
        return operations.stream().map(AclOperation::name).collect(Collectors.joining(", "));
    }
}
