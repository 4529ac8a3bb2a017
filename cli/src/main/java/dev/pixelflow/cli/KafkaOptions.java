package dev.pixelflow.cli;

import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bootstrap} and {@code --topic-prefix}, shared by every command that talks to Kafka. */
public final class KafkaOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, then 127.0.0.1:9092)")
    String bootstrap;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "prefix of every topic name (default: $PIXELFLOW_TOPIC_PREFIX)")
    String topicPrefix;

    public ConfigSource source() {
        Map<String, String> overrides = new HashMap<>();
        if (bootstrap != null) {
            overrides.put(KafkaSettings.BOOTSTRAP_VAR, bootstrap);
        }
        if (topicPrefix != null) {
            overrides.put(KafkaSettings.TOPIC_PREFIX_VAR, topicPrefix);
        }
        return ConfigSource.fromEnvironment().with(overrides);
    }

    public KafkaSettings settings() {
        return KafkaSettings.from(source());
    }

    public KafkaClients clients(String role) {
        return new KafkaClients(settings(), "pixelflow-cli-" + role);
    }

    public Topics topics() {
        return new Topics(settings().topicPrefix());
    }

    /**
     * Creates the topics the client commands use when missing, so a client may start before the workers; fails fast
     * when Kafka is away.
     */
    public void ensureTopics(KafkaClients clients, Topics topics) {
        TopicAdmin.ensure(clients, RoleRights.topicsOf(Role.CLIENT, topics), Duration.ofSeconds(15));
    }
}
