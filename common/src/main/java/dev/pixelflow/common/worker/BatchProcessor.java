package dev.pixelflow.common.worker;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;

/**
 * The transform of a consume-transform-produce loop. It sends its outputs through the producer inside the
 * loop's open transaction and handles bad records itself (dead-letter them); an exception it throws aborts
 * the whole batch, which is then re-read and retried.
 */
@FunctionalInterface
public interface BatchProcessor<K, V, KO, VO> {
    void process(ConsumerRecords<K, V> records, Producer<KO, VO> producer) throws Exception;
}
