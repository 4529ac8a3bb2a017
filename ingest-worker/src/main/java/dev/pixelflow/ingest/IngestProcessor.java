package dev.pixelflow.ingest;

import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.TensorRecordSerde;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import dev.pixelflow.common.worker.BatchProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of raw images → tensors and dead letters, inside the loop's transaction. Decoding fans out over the
 * decode pool; results are sent in input order so each partition's records stay in order.
 */
final class IngestProcessor implements BatchProcessor<String, byte[], String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(IngestProcessor.class);

    private final RawImageConverter converter;
    private final ExecutorService decodePool;
    private final String tensorsTopic;
    private final String dlqTopic;
    private final TensorRecordSerde tensorSerde = new TensorRecordSerde();
    private final MeterRegistry metrics;
    private final Counter imagesIn;
    private final Counter tensorsOut;
    private final Timer decodeTime;

    IngestProcessor(RawImageConverter converter, ExecutorService decodePool, String tensorsTopic, String dlqTopic,
                    MeterRegistry metrics) {
        this.converter = converter;
        this.decodePool = decodePool;
        this.tensorsTopic = tensorsTopic;
        this.dlqTopic = dlqTopic;
        this.metrics = metrics;
        this.imagesIn = Counter.builder("pixelflow_ingest_images_in").description("raw images consumed").register(metrics);
        this.tensorsOut = Counter.builder("pixelflow_ingest_tensors_out").description("tensor records produced").register(metrics);
        this.decodeTime = Timer.builder("pixelflow_ingest_decode").description("decode+resize time per image")
                .publishPercentileHistogram().register(metrics);
    }

    @Override
    public void process(ConsumerRecords<String, byte[]> records, Producer<String, byte[]> producer) throws Exception {
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        List<Future<Conversion>> results = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, byte[]> r : batch) {
            results.add(decodePool.submit(() -> decodeTime.record(() -> converter.convert(r))));
        }
        int converted = 0;
        for (int i = 0; i < batch.size(); i++) {
            ConsumerRecord<String, byte[]> in = batch.get(i);
            Conversion c = results.get(i).get();
            if (c instanceof Conversion.Converted ok) {
                producer.send(new ProducerRecord<>(tensorsTopic, ok.tensor().key(), tensorSerde.serialize(tensorsTopic, ok.tensor())));
                converted++;
            } else if (c instanceof Conversion.Rejected bad) {
                producer.send(deadLetter(in, bad));
                metrics.counter("pixelflow_ingest_dlq", "reason", bad.reason()).increment();
                LOG.info("dead-lettered {}/{}@{} ({}): {}", in.topic(), in.partition(), in.offset(), bad.reason(), bad.message());
            }
        }
        imagesIn.increment(batch.size());
        tensorsOut.increment(converted);
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> in, Conversion.Rejected bad) {
        RecordHeaders headers = new RecordHeaders(in.headers().toArray());
        headers.add(MessageHeaders.ERROR_REASON, MessageHeaders.utf8(bad.reason()));
        headers.add(MessageHeaders.ERROR_CLASS, MessageHeaders.utf8(bad.errorClass()));
        headers.add(MessageHeaders.ERROR_MESSAGE, MessageHeaders.utf8(bad.message()));
        headers.add(MessageHeaders.SOURCE_TOPIC, MessageHeaders.utf8(in.topic()));
        headers.add(MessageHeaders.SOURCE_PARTITION, MessageHeaders.utf8(in.partition()));
        headers.add(MessageHeaders.SOURCE_OFFSET, MessageHeaders.utf8(in.offset()));
        return new ProducerRecord<>(dlqTopic, null, in.key(), in.value(), headers);
    }
}
