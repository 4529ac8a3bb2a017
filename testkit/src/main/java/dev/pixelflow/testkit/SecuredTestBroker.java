package dev.pixelflow.testkit;

import dev.pixelflow.broker.BrokerOptions;
import dev.pixelflow.broker.EmbeddedKafkaBroker;
import dev.pixelflow.broker.SecuredListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;

/**
 * A broker that trusts nobody by default, for tests of pixelflow on a secured cluster: TLS on its client listener
 * (a throwaway self-signed certificate for 127.0.0.1, made with the JDK's keytool), SASL/SCRAM-SHA-512 users created
 * through the Admin API by the super user, Kafka's StandardAuthorizer with {@code allow.everyone.if.no.acl.found=false}.
 * Everything it makes (keystore, truststore, broker data) lives in one temporary directory, deleted by {@link #close()};
 * every password is random and listed by {@link #secrets()}, so a test can check that none was logged.
 */
public final class SecuredTestBroker implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SUPER_USER = "admin";

    /** A SCRAM user of this broker. */
    public record User(String name, String password) {
        public String principal() {
            return "User:" + name;
        }

        @Override
        public String toString() {
            return "User[" + name + "]";
        }
    }

    private final Path dir;
    private final Path truststore;
    private final String truststorePassword;
    private final EmbeddedKafkaBroker broker;
    private final Admin admin;
    private final Map<String, String> superUserClient;
    private final Set<String> secrets = new HashSet<>();

    private SecuredTestBroker(Path dir, Path truststore, String truststorePassword, EmbeddedKafkaBroker broker,
                              Admin admin, Map<String, String> superUserClient, Collection<String> secrets) {
        this.superUserClient = Map.copyOf(superUserClient);
        this.dir = dir;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
        this.broker = broker;
        this.admin = admin;
        this.secrets.addAll(secrets);
    }

    /** Makes the certificate and starts the broker on free loopback ports. */
    public static SecuredTestBroker start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("pixelflow-secured-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
        EmbeddedKafkaBroker broker = null;
        try {
            String keystorePassword = password();
            String truststorePassword = password();
            String superPassword = password();
            Path keystore = dir.resolve("broker.p12");
            Path certificate = dir.resolve("broker.crt");
            Path truststore = dir.resolve("truststore.p12");
            Map<String, String> env = Map.of("PF_KEYSTORE_PASS", keystorePassword, "PF_TRUSTSTORE_PASS", truststorePassword);
            // Passwords through the environment (-storepass:env), so they are not on a command line others can list.
            keytool(dir, env, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                    "-keystore", keystore.toString(), "-storetype", "PKCS12",
                    "-storepass:env", "PF_KEYSTORE_PASS", "-keypass:env", "PF_KEYSTORE_PASS");
            keytool(dir, env, "-exportcert", "-alias", "broker", "-keystore", keystore.toString(),
                    "-storepass:env", "PF_KEYSTORE_PASS", "-file", certificate.toString());
            keytool(dir, env, "-importcert", "-noprompt", "-alias", "pixelflow-test-broker", "-file", certificate.toString(),
                    "-keystore", truststore.toString(), "-storetype", "PKCS12", "-storepass:env", "PF_TRUSTSTORE_PASS");
            SecuredListener listener = new SecuredListener(0, keystore, keystorePassword, SUPER_USER, superPassword);
            broker = new EmbeddedKafkaBroker(BrokerOptions.builder(dir.resolve("broker")).secured(listener).build()).start();
            Map<String, String> superUserClient = new HashMap<>(listener.superUserClientProperties());
            superUserClient.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            Properties props = new Properties();
            props.putAll(superUserClient);
            Admin admin = Admin.create(props);
            List<String> secrets = new ArrayList<>(List.of(keystorePassword, truststorePassword, superPassword));
            secrets.add(listener.superUserClientProperties().get("sasl.jaas.config"));
            return new SecuredTestBroker(dir, truststore, truststorePassword, broker, admin, superUserClient, secrets);
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            deleteRecursively(dir);
            throw e;
        }
    }

    /** A new SCRAM-SHA-512 user with a random password, usable once the broker has it. */
    public User createUser(String name) {
        User user = new User(name, password());
        await(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), user.password()))).all(), "create user " + name);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // The broker answers describe from the metadata it has applied: once it lists the user, logins work.
        while (!await(admin.describeUserScramCredentials().all(), "describe users").containsKey(name)) {
            pause(deadline, "user " + name);
        }
        secrets.add(user.password());
        secrets.add(jaas(user.name(), user.password()));
        return user;
    }

    /** Adds the bindings and returns once the broker's authorizer applies them. */
    public void allow(Collection<AclBinding> bindings) {
        await(admin.createAcls(bindings).all(), "create ACLs");
        awaitAcls(bindings, true);
    }

    /** Removes the bindings and returns once the broker's authorizer no longer has them. */
    public void revoke(Collection<AclBinding> bindings) {
        await(admin.deleteAcls(bindings.stream().map(AclBinding::toFilter).toList()).all(), "delete ACLs");
        awaitAcls(bindings, false);
    }

    private void awaitAcls(Collection<AclBinding> bindings, boolean present) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Collection<AclBinding> now = await(admin.describeAcls(AclBindingFilter.ANY).values(), "describe ACLs");
            if (present ? now.containsAll(bindings) : bindings.stream().noneMatch(now::contains)) {
                return;
            }
            pause(deadline, "ACLs " + (present ? "added" : "removed"));
        }
    }

    /** The environment variables of a pixelflow process logging in as {@code user} over TLS, as docs/operations.md lists them. */
    public Map<String, String> clientEnvironment(User user) {
        Map<String, String> env = new HashMap<>(untrustingClientEnvironment(user));
        env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString());
        env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", truststorePassword);
        env.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
        return env;
    }

    /** As {@link #clientEnvironment}, without the truststore: the JDK's default CAs do not know this broker's certificate. */
    public Map<String, String> untrustingClientEnvironment(User user) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.securedBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", jaas(user.name(), user.password()));
    }

    /** TLS that trusts the broker, but no login: an unauthenticated connection. */
    public Map<String, String> unauthenticatedClientEnvironment() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.securedBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", truststorePassword,
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
    }

    /** Client settings (bootstrap included) of the super user, on the broker's internal listener: for reading what a test checks. */
    public Map<String, String> superUserClientProperties() {
        return superUserClient;
    }

    /** The super user's admin client, for setting up a test (topics, reading results). */
    public Admin admin() {
        return admin;
    }

    /** host:port of the TLS client listener. */
    public String bootstrapServers() {
        return broker.securedBootstrapServers();
    }

    /** Every password and JAAS line made so far: none may appear in a log. */
    public Set<String> secrets() {
        return Set.copyOf(secrets);
    }

    /** The directory holding everything this broker made; gone after {@link #close()}. */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        try {
            admin.close(KafkaTestBroker.CLOSE_TIMEOUT);
            broker.close();
        } finally {
            deleteRecursively(dir);
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static String password() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private static void keytool(Path dir, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path out = dir.resolve("keytool.out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + Files.readString(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool " + args[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + ": no answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    private static void pause(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + ": not applied by the broker within " + TIMEOUT);
        }
        try {
            Thread.sleep(50); // metadata propagation to the broker; there is no event to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
