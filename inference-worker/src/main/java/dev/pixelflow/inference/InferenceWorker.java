package dev.pixelflow.inference;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.imaging.ThreadNice;
import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.DaemonThreads;
import dev.pixelflow.common.worker.TransactionalLoop;
import dev.pixelflow.common.worker.Worker;
import dev.pixelflow.common.worker.WorkerContext;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * classify.requests → one answer per request on its reply topic, exactly once. A follower thread keeps the
 * newest version of every model loaded, another follows the rollout states (production, canary, shadow); the
 * request loop starts only once both have caught up with what was published before start. Several workers in one
 * consumer group share the request partitions.
 */
public final class InferenceWorker implements Worker {
    /** Result header naming the worker instance that answered; for operators and tests, not for clients. */
    public static final String ANSWERED_BY = "answered-by";
    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MODELS_POLL = Duration.ofMillis(500);
    /** Short: a rollout change (a rollback above all) should apply within a fraction of a second. */
    private static final Duration ROLLOUT_POLL = Duration.ofMillis(200);
    /**
     * Polls being decoded or inferred at once: one on the engine, the next decoded and queued behind it, and one more
     * read while the oldest commits, so the engine never waits for a commit, a poll or a decode.
     */
    private static final int POLLS_IN_FLIGHT = 3;

    private final WorkerContext ctx;
    private final InferenceSettings settings;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean started;
    private ExecutorService decodePool;
    private Admin admin;
    private ModelStore store;
    private CompactedTopicFollower modelFollower;
    private Thread modelThread;
    private RolloutStates rollouts;
    private CompactedTopicFollower rolloutFollower;
    private Thread rolloutThread;
    private EngineThread engines;
    private ModelResolver resolver;
    private volatile TransactionalLoop<String, byte[], String, ClassifyResult> loop;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread loopThread;
    private KafkaClientMetrics consumerMetrics;
    private final FaultHook beforeSwap;

    public InferenceWorker(WorkerContext ctx, InferenceSettings settings) {
        this(ctx, settings, FaultHook.NONE);
    }

    /** @param beforeSwap called when a newer version of a served model is loaded, before it is swapped in */
    public InferenceWorker(WorkerContext ctx, InferenceSettings settings, FaultHook beforeSwap) {
        this.ctx = ctx;
        this.settings = settings;
        this.beforeSwap = beforeSwap;
    }

    @Override
    public String name() {
        return "inference";
    }

    @Override
    public void start() {
        admin = ctx.clients().admin();
        try {
            TopicAdmin.ensure(admin, ctx.kafka(), RoleRights.topicsOf(Role.INFERENCE, ctx.topics()), TOPIC_TIMEOUT);
        } catch (RuntimeException e) {
            admin.close(Duration.ofSeconds(5));
            throw e;
        }
        String modelsTopic = ctx.topics().models.name();
        String requestsTopic = ctx.topics().classifyRequests.name();
        String resultsTopic = ctx.topics().classifyResults.name();

        EngineModelLoader loader = new EngineModelLoader();
        ModelCatalog catalog = new ModelCatalog(ctx.clients(), modelsTopic);
        store = new ModelStore(loader, catalog::load, ctx.metrics(), beforeSwap);
        modelFollower = follow(modelsTopic, MODELS_POLL, new ModelRecords(store));
        engines = new EngineThread();
        rollouts = new RolloutStates();
        rolloutFollower = follow(ctx.topics().modelsRollout.name(), ROLLOUT_POLL, rollouts);
        resolver = new ModelResolver(store, new PinnedModels(settings.pinnedModels(), catalog::load, loader,
                engines::closeLater), settings.defaultModel(), rollouts::states);

        decodePool = Executors.newFixedThreadPool(settings.decodeThreads(), ThreadNice.daemons("decode", settings.decodeNice()));
        InferenceProcessor processor = new InferenceProcessor(new ImagePreprocessor(settings.limits()), decodePool, engines,
                resolver,
                new ReplyTopics(ReplyTopics.describing(admin, Duration.ofSeconds(10)), System::currentTimeMillis, resultsTopic),
                resultsTopic, ctx.topics().classifyShadow.name(), settings.batchSize(), ctx.worker().instanceId(),
                System::currentTimeMillis, ctx.metrics());
        consumer = ctx.clients().consumer(settings.groupId(), true, new StringDeserializer(),
                new ByteArrayDeserializer(), Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords()));
        String transactionalId = Role.INFERENCE.transactionalId(ctx.worker().instanceId());
        consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(ctx.metrics());
        loop = new TransactionalLoop<>("inference", consumer,
                () -> ctx.clients().transactionalProducer(transactionalId, new StringSerializer(), ClassifyResult.SERDE),
                List.of(requestsTopic), processor,
                Duration.ofMillis(500), POLLS_IN_FLIGHT, ctx.worker().retryAttempts(), ctx.worker().retryBackoff());

        modelThread = DaemonThreads.named("model-follower").newThread(modelFollower);
        modelThread.start();
        rolloutThread = DaemonThreads.named("rollout-follower").newThread(rolloutFollower);
        rolloutThread.start();
        loopThread = new Thread(this::runLoop, "inference-loop");
        loopThread.start();
        started = true;
        LOG.info("inference: {} -> {} (group {}, batch {}, {} decode threads at nice {}, default model {})", requestsTopic,
                resultsTopic, settings.groupId(), settings.batchSize(), settings.decodeThreads(), settings.decodeNice(),
                settings.defaultModel() == null ? "the latest published" : settings.defaultModel());
    }

    /**
     * A group-less follower of {@code topic} whose fatal failure (a refused READ: no restart can help) stops the
     * request loop: a worker that can no longer see model or rollout changes must not go on answering.
     */
    private CompactedTopicFollower follow(String topic, Duration poll, CompactedTopicFollower.Handler handler) {
        return new CompactedTopicFollower(ctx.clients().consumer(null, true, new StringDeserializer(),
                new ByteArrayDeserializer()), topic, poll, handler, failure -> {
                    if (loop != null) {
                        loop.stop();
                    }
                });
    }

    /** Both followers have read what was published before start, and the models it named are loaded. */
    private boolean caughtUp(Duration wait) throws InterruptedException {
        return store.awaitReady(wait) && rolloutFollower.awaitCaughtUp(wait);
    }

    private boolean followerFailed() {
        return modelFollower.failed() || rolloutFollower.failed();
    }

    private void runLoop() {
        boolean ran = false;
        try {
            // Answering before the published models are loaded would turn early requests into "no-model", and
            // before the rollout states are read would serve newest versions that are not production.
            while (!stopping && !followerFailed() && !caughtUp(Duration.ofMillis(200))) {
                // each turn waits up to 200 ms for each follower
            }
            if (followerFailed()) {
                LOG.error("inference: a follower failed before the worker served; not serving");
                return;
            }
            if (stopping) {
                return;
            }
            LOG.info("inference: models ready ({}); answering requests", store.current().byName().keySet());
            ran = true;
            loop.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!ran) {
                // The loop closes its clients when it runs; here it never did (its producer is made when it runs).
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            }
            modelFollower.stop();
            rolloutFollower.stop();
            try {
                modelThread.join(TimeUnit.SECONDS.toMillis(10));
                rolloutThread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Engines close only once the engine thread has finished the batches handed to it.
            engines.close();
            resolver.close();
            store.close();
            decodePool.shutdownNow();
            if (consumerMetrics != null) {
                consumerMetrics.close();
            }
            admin.close(Duration.ofSeconds(5));
            done.countDown();
        }
    }

    @Override
    public void stop() {
        stopping = true;
        if (loop != null) {
            loop.stop();
        }
        try {
            if (started && !done.await(ctx.worker().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("inference: did not stop within {}", ctx.worker().shutdownTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean healthy() {
        if (loop != null && loop.failed() || modelFollower != null && followerFailed()) {
            return false;
        }
        return !settings.requireModel() || store != null && store.hasModel();
    }

    /** True once the published models are loaded and requests are being answered. */
    public boolean ready() {
        return store != null && store.ready() && !finished();
    }

    @Override
    public boolean finished() {
        return done.getCount() == 0;
    }

    @Override
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Optional<Throwable> failure() {
        if (loop != null && loop.failure() != null) {
            return Optional.of(loop.failure());
        }
        if (modelFollower == null) {
            return Optional.empty();
        }
        return modelFollower.failure().or(rolloutFollower::failure);
    }
}
