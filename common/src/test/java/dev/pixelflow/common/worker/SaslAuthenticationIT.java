package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.broker.BrokerOptions;
import dev.pixelflow.broker.EmbeddedKafkaBroker;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.broker.LocalPorts;
import dev.pixelflow.common.topic.TopicAdmin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker pointed at a SASL listener with a wrong password stops at once with an authentication error and a
 * configuration error's exit code (2), instead of retrying forever; the right password starts it. The password is not logged.
 */
class SaslAuthenticationIT {
    private static final String SECRET = "alice-secret-7f3a";

    @Test
    void aWrongPasswordFailsFastAndTheRightOneWorks(@TempDir Path dir) throws Exception {
        int plain = LocalPorts.pickFree();
        int sasl = LocalPorts.pickFree();
        int controller = LocalPorts.pickFree();
        BrokerOptions options = BrokerOptions.builder(dir).port(plain).controllerPort(controller).saslPlainListener(sasl)
                .property("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"" + SECRET + "\";")
                .build();
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(options).start()) {
            PrintStream original = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int wrong;
            System.setOut(new PrintStream(captured, true));
            try {
                wrong = WorkerLauncher.launch("test", 0, ConfigSource.of(env(sasl, "not-the-password")), TopicsOnly::new);
            } finally {
                System.setOut(original);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(wrong).as("a refused login is a configuration error").isEqualTo(2);
            assertThat(seconds).as("fails fast instead of retrying").isLessThan(30);
            assertThat(captured.toString()).doesNotContain(SECRET).doesNotContain("not-the-password");

            int right = WorkerLauncher.launch("test", 0, ConfigSource.of(env(sasl, SECRET)), TopicsOnly::new);
            assertThat(right).isZero();
            System.out.printf("SASL: wrong password -> exit %d after %.1f s; right password -> exit %d%n", wrong, seconds, right);
        }
    }

    private static Map<String, String> env(int port, String password) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + port,
                "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\""
                        + password + "\";",
                "PIXELFLOW_HTTP_PORT", "0",
                "PIXELFLOW_TOPIC_PREFIX", "sasl-test.");
    }

    /** A worker whose whole job is what every worker does first: create its topics. */
    private static final class TopicsOnly implements Worker {
        private final WorkerContext ctx;
        private final CountDownLatch done = new CountDownLatch(1);

        TopicsOnly(WorkerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public String name() {
            return "topics-only";
        }

        @Override
        public void start() {
            TopicAdmin.ensureAll(ctx.clients(), ctx.topics(), Duration.ofSeconds(60));
            done.countDown();
        }

        @Override
        public void stop() {
            done.countDown();
        }

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public boolean finished() {
            return done.getCount() == 0;
        }

        @Override
        public boolean awaitFinished(Duration timeout) throws InterruptedException {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
