package dev.pixelflow.testkit;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Which broker the tests get, from the environment and system properties:
 * <ol>
 *   <li>{@code -Dkafka.bootstrap.servers} or {@code KAFKA_BOOTSTRAP_SERVERS}: that external broker;</li>
 *   <li>otherwise {@code -Dpixelflow.testkit.broker=auto|testcontainers|embedded} (default auto: Testcontainers
 *       when Docker answers within 5 s, else the in-process broker);</li>
 *   <li>{@code -Dpixelflow.testkit.kafka-image} picks the container image (default {@value #DEFAULT_IMAGE}).</li>
 * </ol>
 *
 * @param externalBootstrap set when an external broker was named
 * @param externalOrigin    how it was named, for messages: {@code KAFKA_BOOTSTRAP_SERVERS} or {@code -Dkafka.bootstrap.servers}
 * @param mode              how to choose when no external broker was named
 * @param image             Docker image for Testcontainers
 */
record BrokerSelection(Optional<String> externalBootstrap, String externalOrigin, Mode mode, String image) {
    static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";
    static final String BOOTSTRAP_PROPERTY = "kafka.bootstrap.servers";
    static final String MODE_PROPERTY = "pixelflow.testkit.broker";
    static final String IMAGE_PROPERTY = "pixelflow.testkit.kafka-image";
    static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

    enum Mode { AUTO, TESTCONTAINERS, EMBEDDED }

    static BrokerSelection from(Map<String, String> env, Properties systemProperties) {
        Optional<String> fromProperty = nonBlank(systemProperties.getProperty(BOOTSTRAP_PROPERTY));
        Optional<String> external = fromProperty.or(() -> nonBlank(env.get(BOOTSTRAP_ENV)));
        String origin = fromProperty.isPresent() ? "-D" + BOOTSTRAP_PROPERTY : BOOTSTRAP_ENV;
        String modeName = nonBlank(systemProperties.getProperty(MODE_PROPERTY)).orElse("auto");
        Mode mode;
        try {
            mode = Mode.valueOf(modeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + MODE_PROPERTY + " must be auto, testcontainers or embedded, got '"
                    + modeName + "'", e);
        }
        String image = nonBlank(systemProperties.getProperty(IMAGE_PROPERTY)).orElse(DEFAULT_IMAGE);
        return new BrokerSelection(external, origin, mode, image);
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}
