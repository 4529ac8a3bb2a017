package dev.pixelflow.common.worker;

import dev.pixelflow.common.config.ConfigSource;
import dev.pixelflow.common.config.KafkaSettings;
import dev.pixelflow.common.config.WorkerSettings;
import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;

/** What a worker is given to build itself: its settings, its topics, its client factory and its meters. */
public record WorkerContext(String role, ConfigSource source, KafkaSettings kafka, WorkerSettings worker, Topics topics,
                            KafkaClients clients, MeterRegistry metrics) {

    public static WorkerContext create(String role, ConfigSource source, int defaultHttpPort, MeterRegistry metrics) {
        KafkaSettings kafka = KafkaSettings.from(source);
        WorkerSettings worker = WorkerSettings.from(source, role, defaultHttpPort);
        return new WorkerContext(role, source, kafka, worker, new Topics(kafka.topicPrefix()),
                new KafkaClients(kafka, "pixelflow-" + role), metrics);
    }
}
