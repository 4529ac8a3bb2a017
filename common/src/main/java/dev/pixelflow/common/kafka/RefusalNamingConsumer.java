package dev.pixelflow.common.kafka;

import dev.pixelflow.common.acl.OperationRefusedException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A consumer whose refused poll says READ. Kafka's authorization errors name the topic or group but not the
 * operation, and carry no stack that would show a consumer threw them; a poll only ever needs READ (on the topics,
 * on the group), so the refusal is rethrown as an {@link OperationRefusedException} naming it, its cause Kafka's.
 */
final class RefusalNamingConsumer<K, V> extends KafkaConsumer<K, V> {
    RefusalNamingConsumer(Map<String, Object> props, Deserializer<K> keys, Deserializer<V> values) {
        super(props, keys, values);
    }

    @Override
    public ConsumerRecords<K, V> poll(Duration timeout) {
        try {
            return super.poll(timeout);
        } catch (TopicAuthorizationException e) {
            if (e.unauthorizedTopics().isEmpty()) {
                throw e;
            }
            // One topic is enough for the one line; the first in name order, so the line is stable.
            throw new OperationRefusedException("READ", ResourceType.TOPIC, new TreeSet<>(e.unauthorizedTopics()).first(), e);
        } catch (GroupAuthorizationException e) {
            if (e.groupId() == null) {
                throw e;
            }
            throw new OperationRefusedException("READ", ResourceType.GROUP, e.groupId(), e);
        }
    }
}
