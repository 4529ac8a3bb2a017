package dev.pixelflow.common.acl;

import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.ListenerMismatchException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The one line an operator reads when the cluster refuses pixelflow: which principal, on which resource, and the
 * operation the role needs there (from {@link RoleRights}, since Kafka's errors name only the resource), or why
 * the login failed. Never a secret: the principal comes from the user name of {@code sasl.jaas.config}, nothing
 * else of it is read.
 */
public final class AccessDenied {
    private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private AccessDenied() {
    }

    /**
     * The line for {@code error} if an authorization or authentication failure is in its causes, else empty.
     *
     * @param role the role that was refused, to name what it needs; null when it is none of pixelflow's
     */
    public static Optional<String> describe(Throwable error, KafkaSettings settings, RoleRights rights, Role role) {
        String principal = principal(settings);
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException a) {
                return Optional.of(principal + " was refused " + refused(a, attempted(error), rights, role));
            }
            if (t instanceof ListenerMismatchException) {
                // Its message is the line: the listener, the protocol and the setting to check.
                return Optional.of(oneLine(t.getMessage()));
            }
            if (t instanceof SslAuthenticationException) {
                String root = rootMessage(t);
                return Optional.of("TLS handshake with " + settings.bootstrapServers() + " failed (" + root + "): "
                        + (untrusted(t) ? "the broker's certificate is not trusted; KAFKA_SSL_TRUSTSTORE_LOCATION must "
                        + "name a truststore holding the CA that signed it" : "check the KAFKA_SSL_* settings and that this "
                        + "listener speaks TLS"));
            }
            if (t instanceof SaslAuthenticationException) {
                return Optional.of(principal + " could not log in to " + settings.bootstrapServers() + ": " + oneLine(t.getMessage())
                        + " (check the user name and password in KAFKA_SASL_JAAS_CONFIG and KAFKA_SASL_MECHANISM)");
            }
            if (t instanceof AuthenticationException) {
                return Optional.of(principal + " could not authenticate to " + settings.bootstrapServers() + ": " + oneLine(t.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** The principal these settings log in as: {@code User:NAME} for SASL, else what the listener makes of it. */
    public static String principal(KafkaSettings settings) {
        String jaas = settings.clientProperties().get("sasl.jaas.config");
        if (jaas != null) {
            Matcher m = USERNAME.matcher(jaas);
            return m.find() ? "User:" + m.group(1) : "the SASL user of KAFKA_SASL_JAAS_CONFIG";
        }
        String protocol = settings.clientProperties().getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
        return protocol.equals("SSL") ? "the principal of this client's certificate" : "User:ANONYMOUS (no SASL login)";
    }

    private static String refused(AuthorizationException a, String attempted, RoleRights rights, Role role) {
        if (a instanceof OperationRefusedException o) {
            return refusedOperation(o, rights, role);
        }
        if (a instanceof TopicAuthorizationException t) {
            Set<String> names = new TreeSet<>(t.unauthorizedTopics());
            if (names.isEmpty()) {
                return (attempted == null ? "access to" : attempted + " on") + " a topic (" + oneLine(t.getMessage()) + ")";
            }
            return names.stream().map(n -> needs(ResourceType.TOPIC, n, rights, role, attempted)).collect(Collectors.joining("; "));
        }
        if (a instanceof GroupAuthorizationException g && g.groupId() != null) {
            return needs(ResourceType.GROUP, g.groupId(), rights, role, attempted);
        }
        if (a instanceof TransactionalIdAuthorizationException) {
            String prefix = role == null ? null : role.transactionalIdPrefix().orElse(null);
            return "WRITE on its transactional id" + (prefix == null ? "" : " (prefix " + prefix + ")");
        }
        if (a instanceof ClusterAuthorizationException) {
            return "a cluster operation (" + oneLine(a.getMessage()) + ")";
        }
        return oneLine(a.getMessage());
    }

    /**
     * An operation pixelflow named where it was refused. CREATE is refused both for a missing topic the principal may
     * not create and for an existing one it may not see (Kafka does not tell them apart), so the line names both.
     */
    private static String refusedOperation(OperationRefusedException o, RoleRights rights, Role role) {
        String refused = o.operation() + " on " + kind(o.resourceType()) + " " + o.resource();
        if (role == null || rights == null) {
            return refused;
        }
        List<Grant> grants = grants(rights, role, o.resourceType(), o.resource());
        String held = grants.stream().map(Grant::operationNames).collect(Collectors.joining(", "));
        if (held.isEmpty()) {
            return refused + ", where the " + role.id() + " role has no right by design";
        }
        if (o.operation().equals("CREATE")) {
            return refused + " (missing, or there but not visible to it: the " + role.id() + " role needs " + held
                    + " there, and CREATE while it is missing; see bin/pixelflow acls)";
        }
        if (o.operation().equals("DESCRIBE")) {
            // DESCRIBE comes with READ and WRITE: name the ones the role is meant to hold there.
            return refused + " (the " + role.id() + " role needs " + held + " there, which implies DESCRIBE; see bin/pixelflow acls)";
        }
        boolean holds = grants.stream().anyMatch(g -> g.operations().stream().anyMatch(op -> op.name().equals(o.operation())));
        return refused + " (the " + role.id() + " role needs " + (holds ? "it" : held + " there") + "; see bin/pixelflow acls)";
    }

    /**
     * "READ on topic x": the operation the refused client attempted when known and the role holds it there, else the
     * operations the role's grants list on that resource; where it has none, the attempted operation, if known.
     */
    private static String needs(ResourceType type, String name, RoleRights rights, Role role, String attempted) {
        String resource = kind(type) + " " + name;
        // A group the role has no right on was joined or committed to, which only a consumer does (READ).
        boolean noGrant = role == null || rights == null || grants(rights, role, type, name).isEmpty();
        String guessed = attempted == null && noGrant && type == ResourceType.GROUP ? "READ" : attempted;
        String tried = guessed == null ? "access to " : guessed + " on ";
        if (role == null || rights == null) {
            return tried + resource;
        }
        List<String> held = grants(rights, role, type, name).stream().flatMap(g -> g.operations().stream())
                .map(AclOperation::name).filter(op -> !op.equals("CREATE")).toList();
        if (held.isEmpty()) {
            return tried + resource + ", where the " + role.id() + " role has no right by design";
        }
        if (attempted != null && !held.contains(attempted)) {
            return attempted + " on " + resource + ", where the " + role.id() + " role has no " + attempted
                    + " right by design (it needs " + String.join(", ", held) + " there)";
        }
        String operations = attempted != null ? attempted : String.join(", ", held);
        return operations + " on " + resource + " (the " + role.id() + " role needs it; see bin/pixelflow acls)";
    }

    private static List<Grant> grants(RoleRights rights, Role role, ResourceType type, String name) {
        return rights.of(role).stream().filter(g -> g.resource().resourceType() == type && g.resource().name().equals(name)).toList();
    }

    /**
     * What the refused client was doing: WRITE for a producer's refusal, READ for a consumer's, when the stack of an
     * exception wrapping the error shows which client threw it (Kafka's own errors carry no stack and do not say); else null.
     */
    private static String attempted(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (StackTraceElement frame : t.getStackTrace()) {
                if (frame.getClassName().startsWith("org.apache.kafka.clients.producer.")) {
                    return "WRITE";
                }
                if (frame.getClassName().startsWith("org.apache.kafka.clients.consumer.")) {
                    return "READ";
                }
            }
        }
        return null;
    }

    private static String kind(ResourceType type) {
        return switch (type) {
            case TRANSACTIONAL_ID -> "transactional id";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** The JDK found no path from the broker's certificate to a trusted CA (PKIX, CertPathBuilder). */
    private static boolean untrusted(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PKIX") || m.contains("certification path") || t.getClass().getName().contains("CertPath")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return oneLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
