package dev.pixelflow.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What tests check after a run: every committed record of a topic, from its beginning to its current end. */
public final class TopicReader {
    private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);

    private TopicReader() {
    }

    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("max.partition.fetch.bytes", 8 * 1024 * 1024);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Set<String> seen = new HashSet<>();
            int again = 0;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (seen.add(r.partition() + "@" + r.offset())) {
                        out.add(r);
                    } else {
                        again++;
                    }
                }
            }
            if (again > 0) {
                // Seen once after a broker restart: the topic's files held every record once, the consumer had
                // handed three of them over twice. A record is its partition and offset; a repeat is not data.
                LOG.warn("{}: the consumer returned {} record(s) a second time (same partition and offset); counted once",
                        topic, again);
            }
        } finally {
            c.close(CloseOptions.timeout(KafkaTestBroker.CLOSE_TIMEOUT));
        }
        return out;
    }
}
