package dev.pixelflow.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives integration tests a Kafka broker: {@code @ExtendWith(KafkaBrokerExtension.class)} and a
 * {@link KafkaTestBroker} parameter (test, lifecycle method or constructor), or {@link #broker()}.
 *
 * <p>Which broker: {@code -Dkafka.bootstrap.servers} / {@code KAFKA_BOOTSTRAP_SERVERS} if set; else a
 * Testcontainers apache/kafka container if Docker answers within 5 s; else pixelflow's in-process
 * EmbeddedKafkaBroker on free 127.0.0.1 ports and a temp data dir. Force one with
 * {@code -Dpixelflow.testkit.broker=embedded|testcontainers}. One broker serves the whole test JVM; it stops
 * when the test run ends (JUnit root context) or, at the latest, when the JVM exits.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    /** The shared broker, started on first call; for code that cannot take a parameter. */
    public static KafkaTestBroker broker() {
        return SharedTestBroker.get();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        brokerFor(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaTestBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return brokerFor(extensionContext);
    }

    private static KafkaTestBroker brokerFor(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(StopAtEndOfRun.class, key -> new StopAtEndOfRun(SharedTestBroker.get()),
                        StopAtEndOfRun.class)
                .broker();
    }

    /** Lives in the root store, which JUnit closes after the last test of the run. */
    private record StopAtEndOfRun(KafkaTestBroker broker) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            SharedTestBroker.close();
        }
    }
}
