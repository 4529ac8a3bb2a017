package dev.pixelflow.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A broker that authenticates and authorizes every connection: clients on a SASL_SSL listener (SCRAM-SHA-512 users,
 * created through the Admin API by the super user), the broker's own listeners (inter-broker and controller) with
 * SASL/PLAIN for the super user only, Kafka's {@code StandardAuthorizer} and no access where no ACL allows it.
 *
 * @param port              SASL_SSL client port on 127.0.0.1; 0 picks a free port
 * @param keystore          PKCS12 keystore holding the broker's key and certificate (for 127.0.0.1)
 * @param keystorePassword  the keystore's and the key's password
 * @param superUser         the administrator's user name: super user, logs in on the broker's own listeners
 * @param superUserPassword the administrator's password
 */
public record SecuredListener(int port, Path keystore, String keystorePassword, String superUser, String superUserPassword) {
    static final String CLIENT = "CLIENT";
    static final String INTERNAL = "INTERNAL";

    public SecuredListener {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("secured port must be in 0..65535 (0 = pick a free port), got " + port);
        }
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(keystorePassword, "keystorePassword");
        Objects.requireNonNull(superUser, "superUser");
        Objects.requireNonNull(superUserPassword, "superUserPassword");
        if (superUser.contains("\"") || superUserPassword.contains("\"")) {
            throw new IllegalArgumentException("the super user's name and password must not contain '\"'");
        }
    }

    /** The same listener on a port chosen at start. */
    SecuredListener onPort(int chosen) {
        return new SecuredListener(chosen, keystore, keystorePassword, superUser, superUserPassword);
    }

    /** Client settings for the super user on the broker's internal listener ({@link EmbeddedKafkaBroker#bootstrapServers()}). */
    public Map<String, String> superUserClientProperties() {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", plainJaas());
    }

    /** Server settings on top of {@link KafkaServerSettings}' single-node ones. */
    Map<String, String> serverSettings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("inter.broker.listener.name", INTERNAL);
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        String serverJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + superUser
                + "\" password=\"" + superUserPassword + "\" user_" + superUser + "=\"" + superUserPassword + "\";";
        for (String listener : new String[] {"internal", "controller"}) {
            p.put("listener.name." + listener + ".sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name." + listener + ".plain.sasl.jaas.config", serverJaas);
        }
        p.put("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put("listener.name.client.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("listener.name.client.ssl.keystore.type", "PKCS12");
        p.put("listener.name.client.ssl.keystore.location", keystore.toAbsolutePath().toString());
        p.put("listener.name.client.ssl.keystore.password", keystorePassword);
        p.put("listener.name.client.ssl.key.password", keystorePassword);
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + superUser);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    private String plainJaas() {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + superUser + "\" password=\""
                + superUserPassword + "\";";
    }

    @Override
    public String toString() {
        // No passwords: options are logged.
        return "SecuredListener[port=" + port + ", keystore=" + keystore + ", superUser=" + superUser + "]";
    }
}
