package dev.pixelflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecuredListenerTest {
    private static final Path DIR = Path.of("target", "secured-broker");
    private final SecuredListener secured = new SecuredListener(9094, Path.of("/tmp/broker.p12"), "ks-secret", "admin", "admin-secret");

    @Test
    void everyListenerIsOnLoopbackAndAuthenticatedAndNoAclMeansNoAccess() {
        Map<String, String> settings = KafkaServerSettings.of(9092, 9093, DIR, null, ClientListeners.LOOPBACK, secured, Map.of());
        assertThat(settings)
                .containsEntry("listeners", "INTERNAL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,CLIENT://127.0.0.1:9094")
                .containsEntry("listener.security.protocol.map", "INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_SSL")
                .containsEntry("inter.broker.listener.name", "INTERNAL")
                .containsEntry("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("allow.everyone.if.no.acl.found", "false")
                .containsEntry("super.users", "User:admin");
        assertThat(settings.get("listener.name.internal.plain.sasl.jaas.config")).contains("user_admin=\"admin-secret\"");
    }

    @Test
    void passwordsStayOutOfToStringAndTheSuperUserLogsInWithPlain() {
        assertThat(secured.toString()).doesNotContain("ks-secret", "admin-secret");
        assertThat(BrokerOptions.builder(DIR).secured(secured).build().toString()).doesNotContain("ks-secret", "admin-secret");
        assertThat(secured.superUserClientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void aQuoteCannotBreakOutOfTheJaasLine() {
        assertThatThrownBy(() -> new SecuredListener(0, DIR, "p", "admin", "x\" user_evil=\"y"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
