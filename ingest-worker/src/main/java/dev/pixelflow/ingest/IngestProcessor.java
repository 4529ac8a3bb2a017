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
import dev.pixelflow.common.worker.PendingBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of raw images → tensors and dead letters, inside the loop's transaction. Decoding (and serializing) fans
 * out over the decode pool as soon as the poll arrives, so it overlaps the commit of the previous poll.
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
    public PendingBatch<String, byte[]> start(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        List<Future<Ready>> results = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, byte[]> r : batch) {
            results.add(decodePool.submit(() -> prepare(r)));
        }
        return new Pending(batch, results);
    }

    /** One record's output, serialized on the decode thread so the loop thread only hands bytes to the producer. */
    private record Ready(String key, byte[] tensor, Conversion.Rejected rejected) {
    }

    private Ready prepare(ConsumerRecord<String, byte[]> r) {
        Conversion c = decodeTime.record(() -> converter.convert(r));
        if (c instanceof Conversion.Converted ok) {
            return new Ready(ok.tensor().key(), tensorSerde.serialize(tensorsTopic, ok.tensor()), null);
        }
        return new Ready(null, null, (Conversion.Rejected) c);
    }

    /** A poll being decoded; results are sent in input order so each partition's records stay in order. */
    private final class Pending implements PendingBatch<String, byte[]> {
        private final List<ConsumerRecord<String, byte[]>> batch;
        private final List<Future<Ready>> results;

        Pending(List<ConsumerRecord<String, byte[]>> batch, List<Future<Ready>> results) {
            this.batch = batch;
            this.results = results;
        }

        @Override
        public boolean isDone() {
            for (Future<Ready> f : results) {
                if (!f.isDone()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void sendTo(Producer<String, byte[]> producer) throws Exception {
            int converted = 0;
            for (int i = 0; i < batch.size(); i++) {
                ConsumerRecord<String, byte[]> in = batch.get(i);
                Ready out = results.get(i).get();
                if (out.rejected() == null) {
                    producer.send(new ProducerRecord<>(tensorsTopic, out.key(), out.tensor()));
                    converted++;
                } else {
                    Conversion.Rejected bad = out.rejected();
                    producer.send(deadLetter(in, bad));
                    metrics.counter("pixelflow_ingest_dlq", "reason", bad.reason()).increment();
                    LOG.info("dead-lettered {}/{}@{} ({}): {}", in.topic(), in.partition(), in.offset(), bad.reason(),
                            bad.message());
                }
            }
            imagesIn.increment(batch.size());
            tensorsOut.increment(converted);
        }

        @Override
        public void discard() {
            // Decoding is a pure function of the record: a task that already runs may finish, its result is dropped.
            results.forEach(f -> f.cancel(false));
        }
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
