package dev.pixelflow.ingest;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.message.SplitPolicy;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.worker.DaemonThreads;
import dev.pixelflow.common.worker.TransactionalLoop;
import dev.pixelflow.common.worker.Worker;
import dev.pixelflow.common.worker.WorkerContext;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * images.raw → tensors (+ images.dlq), exactly once. The transactional id is derived from the instance id,
 * so a restarted instance fences its crashed predecessor and aborts whatever it left open.
 */
public final class IngestWorker implements Worker {
    private static final Logger LOG = LoggerFactory.getLogger(IngestWorker.class);

    private final WorkerContext ctx;
    private final IngestSettings settings;
    private ExecutorService decodePool;
    private TransactionalLoop<String, byte[], String, byte[]> loop;
    private Thread thread;
    private KafkaClientMetrics consumerMetrics;

    public IngestWorker(WorkerContext ctx, IngestSettings settings) {
        this.ctx = ctx;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public void start() {
        TopicAdmin.ensure(ctx.clients(), RoleRights.topicsOf(Role.INGEST, ctx.topics()), Duration.ofSeconds(30));
        decodePool = Executors.newFixedThreadPool(settings.decodeThreads(), DaemonThreads.numbered("decode"));
        RawImageConverter converter = new RawImageConverter(new ImagePreprocessor(settings.limits()),
                new SplitPolicy(settings.validationFraction()), settings.defaultShape(), settings.requireLabel());
        KafkaConsumer<String, byte[]> consumer = ctx.clients().consumer(settings.groupId(), true,
                new StringDeserializer(), new ByteArrayDeserializer(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords()));
        Supplier<KafkaProducer<String, byte[]>> producers = () -> ctx.clients().transactionalProducer(
                Role.INGEST.transactionalId(ctx.worker().instanceId()), new StringSerializer(), new ByteArraySerializer(),
                // Photo pixels barely compress with LZ4, which costs CPU here and again in the broker's validation.
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"));
        consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(ctx.metrics());
        IngestProcessor processor = new IngestProcessor(converter, decodePool, ctx.topics().tensors.name(),
                ctx.topics().imagesDlq.name(), ctx.metrics());
        loop = new TransactionalLoop<>("ingest", consumer, producers, List.of(ctx.topics().imagesRaw.name()),
                processor, Duration.ofMillis(500), ctx.worker().retryAttempts(), ctx.worker().retryBackoff());
        thread = new Thread(loop, "ingest-loop");
        thread.start();
        LOG.info("ingest: {} -> {} at default size {} with {} decode threads, validation fraction {}",
                ctx.topics().imagesRaw, ctx.topics().tensors, settings.defaultShape(), settings.decodeThreads(),
                settings.validationFraction());
    }

    @Override
    public void stop() {
        if (loop == null) {
            return;
        }
        loop.stop();
        try {
            if (!loop.await(ctx.worker().shutdownTimeout())) {
                LOG.warn("ingest: loop did not stop within {}", ctx.worker().shutdownTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        decodePool.shutdownNow();
        if (consumerMetrics != null) {
            consumerMetrics.close();
        }
    }

    @Override
    public boolean healthy() {
        return loop == null || !loop.failed();
    }

    @Override
    public boolean finished() {
        return loop != null && loop.finished();
    }

    @Override
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return loop != null && loop.await(timeout);
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(loop == null ? null : loop.failure());
    }
}
