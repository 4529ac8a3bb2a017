package dev.pixelflow.testkit;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

/**
 * Asks a broker someone else runs whether it is there, once, with a short timeout: without this, a test pointed at
 * an address where nothing listens waits in its first Kafka call (and, before closes were bounded, forever).
 */
final class ExternalBrokerCheck {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ExternalBrokerCheck() {
    }

    /**
     * Returns {@code bootstrap} as an external test broker when describeCluster answers within {@code timeout}.
     *
     * @param origin how the address was given ({@code KAFKA_BOOTSTRAP_SERVERS} or {@code -Dkafka.bootstrap.servers}),
     *               named in the failure so the reader knows what to change
     * @throws IllegalStateException naming {@code origin} when no broker answers
     */
    static KafkaTestBroker connect(String bootstrap, String origin, Duration timeout) {
        int millis = Math.toIntExact(timeout.toMillis());
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "pixelflow-testkit-check");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        String reason;
        try {
            Admin admin = Admin.create(p);
            try {
                admin.describeCluster().nodes().get(millis, TimeUnit.MILLISECONDS);
                return new KafkaTestBroker(bootstrap, KafkaTestBroker.Source.EXTERNAL);
            } finally {
                admin.close(Duration.ZERO);
            }
        } catch (ExecutionException e) {
            reason = String.valueOf(e.getCause());
        } catch (TimeoutException e) {
            reason = "no answer to describeCluster within " + timeout.toSeconds() + " s";
        } catch (KafkaException e) {
            reason = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reason = "interrupted";
        }
        throw new IllegalStateException(origin + "=" + bootstrap + " names no reachable Kafka broker (" + reason
                + "); start one there, or unset " + origin + " so the tests start their own");
    }
}
