package dev.pixelflow.common.topic;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group is behind a topic: per partition, its end offset minus the group's committed offset
 * (or minus the partition's first offset where the group has committed nothing yet).
 */
public final class GroupLag {
    private GroupLag() {
    }

    /** Records of {@code topic} that {@code group} has not committed past, per partition. */
    public static Map<TopicPartition, Long> of(Admin admin, String topic, String group, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long ms = timeout.toMillis();
        List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get(ms, TimeUnit.MILLISECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(
                parts.stream().collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest())))
                .all().get(ms, TimeUnit.MILLISECONDS);
        Map<TopicPartition, ListOffsetsResultInfo> starts = admin.listOffsets(
                parts.stream().collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.earliest())))
                .all().get(ms, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> lag = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
        for (TopicPartition tp : parts) {
            OffsetAndMetadata c = committed.get(tp);
            long from = Math.max(c == null ? 0 : c.offset(), starts.get(tp).offset());
            lag.put(tp, Math.max(0, ends.get(tp).offset() - from));
        }
        return lag;
    }
}
