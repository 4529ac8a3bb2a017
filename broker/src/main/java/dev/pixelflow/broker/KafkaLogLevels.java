package dev.pixelflow.broker;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Kafka's server and client classes log hundreds of INFO lines per start (every config value, every
 * partition). Any JVM that embeds the broker gets those loggers at WARN, unless its logback config already
 * chose a level for them, so each module's test output stays readable without copying a logback file around.
 */
final class KafkaLogLevels {
    private static final List<String> KAFKA_LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

    private KafkaLogLevels() {
    }

    static void quietUnlessConfigured() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (String name : KAFKA_LOGGERS) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARN);
            }
        }
    }
}
