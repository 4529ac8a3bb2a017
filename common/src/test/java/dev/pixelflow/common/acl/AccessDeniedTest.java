package dev.pixelflow.common.acl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class AccessDeniedTest {
    private static final String SECRET = "s3cret-pw";
    private final KafkaSettings settings = KafkaSettings.from(ConfigSource.of(Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "PIXELFLOW_TOPIC_PREFIX", "p.",
            "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\""
                    + SECRET + "\";")));
    private final RoleRights rights = RoleRights.from(ConfigSource.of(Map.of("PIXELFLOW_TOPIC_PREFIX", "p.")), false);

    @Test
    void aRefusedTopicNamesThePrincipalTheTopicAndWhatTheRoleNeedsThere() {
        Throwable e = new ExecutionException(new TopicAuthorizationException(Set.of("p.models")));
        assertThat(AccessDenied.describe(e, settings, rights, Role.TRAINER)).hasValue(
                "User:alice was refused READ, WRITE on topic p.models (the trainer role needs it; see bin/pixelflow acls)");
    }

    @Test
    void aRefusedGroupNamesTheOperationTheRoleNeeds() {
        assertThat(AccessDenied.describe(new GroupAuthorizationException("no", "pixelflow-ingest"), settings, rights, Role.CLIENT))
                .hasValueSatisfying(line -> assertThat(line).startsWith("User:alice was refused DESCRIBE on group pixelflow-ingest"));
    }

    @Test
    void aRefusedTopicCreationSaysCreate() {
        Throwable e = new IllegalStateException("wrapped", new OperationRefusedException("CREATE", ResourceType.TOPIC, "p.tensors",
                new TopicAuthorizationException(Set.of("p.tensors"))));
        assertThat(AccessDenied.describe(e, settings, rights, Role.INFERENCE)).hasValue(
                "User:alice was refused CREATE on topic p.tensors, where the inference role has no right by design");
    }

    @Test
    void aRefusedCreationOfItsOwnTopicAlsoNamesWhatMakesTheTopicVisible() {
        // Kafka refuses CREATE both for a missing topic and for an existing one the principal may not see.
        Throwable e = new OperationRefusedException("CREATE", ResourceType.TOPIC, "p.models", new TopicAuthorizationException(Set.of("p.models")));
        assertThat(AccessDenied.describe(e, settings, rights, Role.INFERENCE)).hasValue("User:alice was refused CREATE on topic p.models "
                + "(missing, or there but not visible to it: the inference role needs READ there, and CREATE while it is missing; "
                + "see bin/pixelflow acls)");
    }

    @Test
    void aConsumersRefusalSaysReadEvenWhereTheRoleHasNoRight() {
        // What RefusalNamingConsumer throws for a refused poll: Kafka's error names the topic only.
        Throwable e = new OperationRefusedException("READ", ResourceType.TOPIC, "p.training.requests",
                new TopicAuthorizationException(Set.of("p.training.requests")));
        assertThat(AccessDenied.describe(e, settings, rights, Role.INFERENCE)).hasValue("User:alice was refused READ on topic "
                + "p.training.requests, where the inference role has no right by design");
    }

    @Test
    void aConsumersRefusalOnATopicTheRoleReadsAndWritesNamesReadOnly() {
        Throwable e = new OperationRefusedException("READ", ResourceType.TOPIC, "p.models", new TopicAuthorizationException(Set.of("p.models")));
        assertThat(AccessDenied.describe(e, settings, rights, Role.TRAINER)).hasValue(
                "User:alice was refused READ on topic p.models (the trainer role needs it; see bin/pixelflow acls)");
    }

    @Test
    void aProducersRefusalNamesWriteFromTheStackOfTheFutureThatReportedIt() {
        ExecutionException e = new ExecutionException(new TopicAuthorizationException(Set.of("p.models")));
        e.setStackTrace(new StackTraceElement[] {new StackTraceElement(
                "org.apache.kafka.clients.producer.internals.FutureRecordMetadata", "valueOrError", null, 1)});
        assertThat(AccessDenied.describe(e, settings, rights, Role.TRAINER)).hasValue(
                "User:alice was refused WRITE on topic p.models (the trainer role needs it; see bin/pixelflow acls)");
        assertThat(AccessDenied.describe(e, settings, rights, Role.INFERENCE)).hasValue(
                "User:alice was refused WRITE on topic p.models, where the inference role has no WRITE right by design (it needs READ there)");
    }

    @Test
    void aRefusedGroupWithoutMoreSaysRead() {
        assertThat(AccessDenied.describe(new GroupAuthorizationException("no", "pixelflow-trainer"), settings, rights, Role.TRAINER))
                .hasValue("User:alice was refused READ on group pixelflow-trainer (the trainer role needs it; see bin/pixelflow acls)");
        assertThat(AccessDenied.describe(new GroupAuthorizationException("no", "elsewhere"), settings, rights, Role.TRAINER))
                .hasValue("User:alice was refused READ on group elsewhere, where the trainer role has no right by design");
    }

    @Test
    void aListenerMismatchIsItsOwnLine() {
        Throwable e = new IllegalStateException("start", new dev.pixelflow.common.kafka.ListenerMismatchException(
                "the listener at broker:9093 speaks TLS, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT", null));
        assertThat(AccessDenied.describe(e, settings, rights, Role.CLIENT))
                .hasValue("the listener at broker:9093 speaks TLS, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT");
    }

    @Test
    void aRefusedDescribeNamesWhatTheRoleIsMeantToHoldThere() {
        Throwable e = new OperationRefusedException("DESCRIBE", ResourceType.TOPIC, "p.images.raw",
                new TopicAuthorizationException("Topic authorization failed."));
        assertThat(AccessDenied.describe(e, settings, rights, Role.CLIENT)).hasValueSatisfying(line -> assertThat(line)
                .startsWith("User:alice was refused DESCRIBE on topic p.images.raw (the client role needs WRITE there"));
    }

    @Test
    void aTopicTheRoleHasNoRightOnIsSaidToBeSoByDesign() {
        assertThat(AccessDenied.describe(new TopicAuthorizationException(Set.of("p.tensors")), settings, rights, Role.INFERENCE))
                .hasValueSatisfying(line -> assertThat(line).contains("topic p.tensors, where the inference role has no right by design"));
    }

    @Test
    void loginFailuresNameTheUserButNeverThePassword() {
        String wrong = AccessDenied.describe(new SaslAuthenticationException("Authentication failed: invalid credentials"), settings,
                rights, Role.CLIENT).orElseThrow();
        assertThat(wrong).startsWith("User:alice could not log in to broker:9093").doesNotContain(SECRET);
        String untrusted = AccessDenied.describe(new SslAuthenticationException("SSL handshake failed",
                new SSLHandshakeException("PKIX path building failed")), settings, rights, Role.CLIENT).orElseThrow();
        assertThat(untrusted).contains("TLS handshake with broker:9093 failed (PKIX path building failed)", "not trusted");
        String other = AccessDenied.describe(new SslAuthenticationException("SSL handshake failed",
                new SSLHandshakeException("Received fatal alert: protocol_version")), settings, rights, Role.CLIENT).orElseThrow();
        assertThat(other).contains("(Received fatal alert: protocol_version)").doesNotContain("not trusted");
    }

    @Test
    void otherErrorsAreNotRefusals() {
        assertThat(AccessDenied.describe(new TimeoutException("slow"), settings, rights, Role.CLIENT)).isEmpty();
    }

    @Test
    void withoutSaslThePrincipalIsWhatTheListenerMakesOfIt() {
        assertThat(AccessDenied.principal(KafkaSettings.from(ConfigSource.of(Map.of())))).startsWith("User:ANONYMOUS");
        assertThat(AccessDenied.principal(KafkaSettings.from(ConfigSource.of(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL")))))
                .contains("certificate");
    }
}
