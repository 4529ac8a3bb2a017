package dev.pixelflow.common.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How to reach the cluster. Any {@code KAFKA_*} variable other than the bootstrap servers becomes a client
 * property ({@code KAFKA_SECURITY_PROTOCOL} → {@code security.protocol}), so SASL/SSL clusters need no code change.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param topicPrefix      prepended to every topic name, so several pixelflow stacks can share one cluster
 * @param clientProperties pass-through client settings; values may be secrets and are never logged
 */
public record KafkaSettings(String bootstrapServers, String topicPrefix, Map<String, String> clientProperties) {
    public static final String BOOTSTRAP_VAR = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String TOPIC_PREFIX_VAR = "PIXELFLOW_TOPIC_PREFIX";
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    /** Variables of Kafka's own shell scripts, not client settings. */
    private static final Set<String> SCRIPT_VARS = Set.of("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
            "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_DEBUG", "KAFKA_GC_LOG_OPTS", "KAFKA_HOME", "KAFKA_LOG_DIR");
    private static final java.util.regex.Pattern HOST_PORT =
            java.util.regex.Pattern.compile("[^,\\s:]+:\\d{1,5}(,[^,\\s:]+:\\d{1,5})*");
    private static final java.util.regex.Pattern TOPIC_CHARS = java.util.regex.Pattern.compile("[A-Za-z0-9._-]*");

    public KafkaSettings {
        if (bootstrapServers == null || !HOST_PORT.matcher(bootstrapServers).matches()) {
            throw new ConfigException(BOOTSTRAP_VAR + ": expected host:port[,host:port...], got '" + bootstrapServers + "'");
        }
        if (topicPrefix == null || !TOPIC_CHARS.matcher(topicPrefix).matches()) {
            throw new ConfigException(TOPIC_PREFIX_VAR + ": expected letters, digits, '.', '_' or '-', got '" + topicPrefix + "'");
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaSettings from(ConfigSource source) {
        Map<String, String> props = new TreeMap<>();
        source.withPrefix("KAFKA_").forEach((name, value) -> {
            if (!name.equals(BOOTSTRAP_VAR) && !SCRIPT_VARS.contains(name)) {
                props.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return new KafkaSettings(source.string(BOOTSTRAP_VAR, DEFAULT_BOOTSTRAP), source.string(TOPIC_PREFIX_VAR, ""), props);
    }

    public KafkaSettings withBootstrap(String servers) {
        return new KafkaSettings(servers, topicPrefix, clientProperties);
    }

    public KafkaSettings withTopicPrefix(String prefix) {
        return new KafkaSettings(bootstrapServers, prefix, clientProperties);
    }

    @Override
    public String toString() {
        // Keys only: values such as sasl.jaas.config carry passwords.
        return "KafkaSettings[bootstrap=" + bootstrapServers + ", topicPrefix=" + topicPrefix + ", clientProperties="
                + clientProperties.keySet() + "]";
    }
}
