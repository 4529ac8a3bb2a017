package dev.pixelflow.common.acl;

import dev.pixelflow.common.config.KafkaSettings;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
            String refused = o.operation() + " on " + kind(o.resourceType()) + " " + o.resource();
            if (role == null || rights == null || o.operation().equals("CREATE")) {
                return refused;
            }
            // DESCRIBE comes with READ and WRITE: name the ones the role is meant to hold there.
            String needed = rights.of(role).stream().filter(g -> g.resource().resourceType() == o.resourceType()
                    && g.resource().name().equals(o.resource())).map(Grant::operationNames).collect(Collectors.joining(", "));
            return refused + (needed.isEmpty() ? ", where the " + role.id() + " role has no right by design"
                    : " (the " + role.id() + " role needs " + needed + " there; see bin/pixelflow acls)");
        }
        if (a instanceof TopicAuthorizationException t) {
            Set<String> names = new TreeSet<>(t.unauthorizedTopics());
            if (names.isEmpty()) {
                return "access to a topic (" + oneLine(t.getMessage()) + ")";
            }
            return names.stream().map(n -> needs(ResourceType.TOPIC, n, rights, role, attempted)).collect(Collectors.joining("; "));
        }
        if (a instanceof GroupAuthorizationException g && g.groupId() != null) {
            return needs(ResourceType.GROUP, g.groupId(), rights, role, null);
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
     * "READ on topic x", with the operations the role's grant on that resource lists; where it has none, the
     * operation the refused client attempted, if known.
     */
    private static String needs(ResourceType type, String name, RoleRights rights, Role role, String attempted) {
        String resource = kind(type) + " " + name;
        String tried = attempted == null ? "access to " : attempted + " on ";
        if (role == null || rights == null) {
            return tried + resource;
        }
        List<Grant> grants = rights.of(role).stream()
                .filter(g -> g.resource().resourceType() == type && g.resource().name().equals(name)).toList();
        if (grants.isEmpty()) {
            return tried + resource + ", where the " + role.id() + " role has no right by design";
        }
        return grants.stream().map(Grant::operationNames).collect(Collectors.joining(", ")) + " on " + resource
                + " (the " + role.id() + " role needs it; see bin/pixelflow acls)";
    }

    /**
     * WRITE for a producer's refusal, READ for a consumer's, when the stack of an exception wrapping the error shows
     * which client threw it (Kafka's own errors carry no stack and do not say); else null.
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
