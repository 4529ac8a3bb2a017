package dev.pixelflow.trainer;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.acl.Role;
import dev.pixelflow.common.acl.RoleRights;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.rollout.RolloutCatalog;
import dev.pixelflow.common.topic.TopicAdmin;
import dev.pixelflow.common.worker.DaemonThreads;
import dev.pixelflow.common.worker.ErrorKind;
import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.TransactionalProducer;
import dev.pixelflow.common.worker.Worker;
import dev.pixelflow.common.worker.WorkerContext;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * training.requests → models (+ training.metrics). One job at a time, on its own thread, while this loop keeps
 * polling (partitions paused) so the group membership survives hours of training. A job's request offset is
 * committed in the same transaction that publishes its model version: a trainer killed at any point re-runs the
 * job from its last checkpoint, and exactly one version is published per request. Every transaction goes through
 * {@link VersionPublisher} and so through the {@link TransactionalProducer} the other workers use.
 */
public final class TrainerWorker implements Worker {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerWorker.class);

    private final WorkerContext ctx;
    private final TrainerSettings settings;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private volatile Throwable failure;
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final FaultHook beforePublishCommit;
    private final ExecutorService jobs = Executors.newSingleThreadExecutor(DaemonThreads.named("trainer-job"));
    private KafkaConsumer<String, String> consumer;
    private TransactionalProducer<String, byte[]> transactions;
    private VersionPublisher publisher;
    private KafkaProducer<String, byte[]> eventProducer;
    /** Intermediate versions handed over by the job thread; published by the loop thread, the producer's owner. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Interim> interims = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Counter published;
    private Counter failedJobs;

    public TrainerWorker(WorkerContext ctx, TrainerSettings settings) {
        this(ctx, settings, FaultHook.NONE);
    }

    /** @param beforePublishCommit called inside each publish transaction, its records sent, before the commit */
    public TrainerWorker(WorkerContext ctx, TrainerSettings settings, FaultHook beforePublishCommit) {
        this.ctx = ctx;
        this.settings = settings;
        this.beforePublishCommit = beforePublishCommit;
    }

    @Override
    public String name() {
        return "trainer";
    }

    @Override
    public void start() {
        TopicAdmin.ensure(ctx.clients(), RoleRights.topicsOf(Role.TRAINER, ctx.topics()), Duration.ofSeconds(30));
        consumer = ctx.clients().consumer(settings.groupId(), true, new StringDeserializer(), new StringDeserializer(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1));
        String transactionalId = Role.TRAINER.transactionalId(ctx.worker().instanceId());
        transactions = new TransactionalProducer<>("trainer", () -> ctx.clients().transactionalProducer(transactionalId,
                new StringSerializer(), new ByteArraySerializer()));
        RolloutCatalog rollouts = new RolloutCatalog(ctx.clients(), ctx.topics().modelsRollout.name());
        publisher = new VersionPublisher(transactions, ctx.topics().models.name(), ctx.topics().trainingMetrics.name(),
                ctx.topics().modelsRollout.name(), model -> rollouts.states().get(model), this::knownVersions,
                consumer::groupMetadata, ctx.worker().retryAttempts(), ctx.worker().retryBackoff(),
                stopRequested, beforePublishCommit);
        eventProducer = ctx.clients().producer("trainer-events", new StringSerializer(), new ByteArraySerializer());
        published = Counter.builder("pixelflow_trainer_versions_published").register(ctx.metrics());
        failedJobs = Counter.builder("pixelflow_trainer_jobs_failed").register(ctx.metrics());
        Thread loop = new Thread(this::run, "trainer-loop");
        loop.start();
        LOG.info("trainer: {} -> {}, state in {}", ctx.topics().trainingRequests, ctx.topics().models,
                settings.stateDir().toAbsolutePath());
    }

    private void run() {
        try {
            transactions.start();
            consumer.subscribe(java.util.List.of(ctx.topics().trainingRequests.name()));
            RunningJob current = null;
            while (!closed.get()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (current == null && !records.isEmpty()) {
                    ConsumerRecord<String, String> r = records.iterator().next();
                    current = startJob(r);
                }
                publishInterims();
                if (current != null && current.future.isDone()) {
                    finish(current);
                    current = null;
                }
            }
        } catch (WakeupException | InterruptedException e) {
            if (!closed.get()) {
                fail(e);
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            jobs.shutdownNow();
            closeQuietly();
            done.countDown();
        }
    }

    private record RunningJob(ConsumerRecord<String, String> record, TrainingRequest request, Future<TrainingJob.Result> future) {
    }

    private RunningJob startJob(ConsumerRecord<String, String> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        consumer.pause(consumer.assignment());
        TrainingRequest request;
        try {
            request = TrainingRequest.SERDE.deserialize(r.topic(), r.value() == null ? null : r.value().getBytes(StandardCharsets.UTF_8));
            if (request == null) {
                throw new SerializationException("training request: empty record");
            }
        } catch (SerializationException e) {
            LOG.warn("trainer: refusing request at {}@{}: {}", tp, r.offset(), e.getMessage());
            TrainingRequest bad = null;
            return new RunningJob(r, bad, java.util.concurrent.CompletableFuture.failedFuture(new JobFailedException(e.getMessage())));
        }
        LOG.info("trainer: job {} for model {} ({} epochs at {}, preset {})", request.jobId(), request.model(),
                request.epochs(), request.inputShape(), request.preset());
        Path jobDir = settings.stateDir().resolve("jobs").resolve(safe(request.jobId()));
        TensorSnapshotReader reader = new TensorSnapshotReader(ctx.clients(), ctx.topics().tensors.name(), settings.memoryBudget());
        ModelCatalog catalog = new ModelCatalog(ctx.clients(), ctx.topics().models.name());
        IngestBacklog backlog = new IngestBacklog(ctx.clients(), ctx.topics().imagesRaw.name(), settings.ingestGroupId());
        TrainingJob job = new TrainingJob(request, reader, catalog, jobDir, new EventSender(request), closed::get, backlog);
        return new RunningJob(r, request, jobs.submit(job::run));
    }

    private void finish(RunningJob job) throws Exception {
        String jobId = job.request == null ? job.record.key() : job.request.jobId();
        try {
            TrainingJob.Result result = job.future.get();
            publish(job, result);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof JobCancelledException || closed.get()) {
                LOG.info("trainer: job {} stopped; it resumes from its last checkpoint at the next start", jobId);
                return;
            }
            if (refusedByCluster(cause) && cause instanceof Exception refused) {
                // One of the role's rights is gone (or the login): an operator must act, and failing the job would
                // lose it. The worker stops with its request uncommitted; restarted with the right back, it resumes
                // the job from its last checkpoint.
                LOG.warn("trainer: job {} refused by the cluster; stopping with the job kept for the next start", jobId);
                throw refused;
            }
            if (!(cause instanceof JobFailedException) && ErrorKind.of(cause) == ErrorKind.RETRY
                    && cause instanceof org.apache.kafka.common.errors.RetriableException) {
                LOG.warn("trainer: job {} hit a transient error ({}); retrying from its checkpoint", jobId, cause.toString());
                rewind(job.record);
                return;
            }
            LOG.error("trainer: job {} failed: {}", jobId, cause.getMessage(), cause instanceof JobFailedException ? null : cause);
            failedJobs.increment();
            publisher.fail(job.record, event(jobId, job.request, TrainingEvent.Type.FAILED, 0, 0, 0, 0, null, null,
                    cause.getMessage()));
        }
        consumer.resume(consumer.assignment());
    }

    private void rewind(ConsumerRecord<String, String> r) {
        consumer.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
        consumer.resume(consumer.assignment());
    }

    private record Interim(TrainingRequest request, Path engineFile, java.util.List<EpochMetrics> history,
                           Map<Integer, Long> snapshot, java.util.List<String> classNames) {
    }

    /**
     * Publishes the intermediate versions the job asked for, each in its own transaction without the request's
     * offset: the job goes on, and a crash after this point resumes it without publishing the epoch again.
     */
    private void publishInterims() throws Exception {
        Interim i;
        while ((i = interims.peek()) != null) {
            if (publisher.publish(i.request(), i.engineFile(), i.history(), i.snapshot(), i.classNames(), null).isPresent()) {
                published.increment();
            }
            interims.poll();
        }
    }

    /** Every complete version on the models topic (read from its beginning). */
    private List<ModelVersion> knownVersions() {
        return new ModelCatalog(ctx.clients(), ctx.topics().models.name()).versions();
    }

    /** The job's final version, with the request's offset: the request is done. */
    private void publish(RunningJob job, TrainingJob.Result result) throws Exception {
        publishInterims();
        if (publisher.publish(job.request, result.engineFile(), result.history(), result.snapshot(), result.classNames(),
                job.record).isPresent()) {
            published.increment();
        }
        consumer.resume(consumer.assignment());
    }

    private void sendEvent(KafkaProducer<String, byte[]> producer, TrainingEvent e) {
        producer.send(new ProducerRecord<>(ctx.topics().trainingMetrics.name(), e.jobId(),
                TrainingEvent.SERDE.serialize(ctx.topics().trainingMetrics.name(), e)));
    }

    static TrainingEvent event(String jobId, TrainingRequest req, TrainingEvent.Type type, int epoch, int epochs,
                                       long batch, long batches, EpochMetrics m, Integer version, String message) {
        return new TrainingEvent(TrainingEvent.SCHEMA_VERSION, jobId == null ? "unknown" : jobId,
                req == null ? null : req.model(), type, System.currentTimeMillis(), epoch, epochs, batch, batches, m, version, message);
    }

    /** Sends a job's progress as it happens; these events are informational, so they are not transactional. */
    private final class EventSender implements JobEvents {
        private final TrainingRequest req;
        private final AtomicLong lastProgress = new AtomicLong();

        EventSender(TrainingRequest req) {
            this.req = req;
        }

        @Override
        public void started(int startEpoch, int epochs, int trainSize, int valSize, long parameters) {
            sendEvent(eventProducer, event(req.jobId(), req, TrainingEvent.Type.STARTED, startEpoch, epochs, 0, 0, null, null,
                    trainSize + " training and " + valSize + " validation images, " + parameters + " parameters"
                            + (startEpoch > 1 ? ", resuming at epoch " + startEpoch : "")));
        }

        @Override
        public void progress(int epoch, long batch, long batches) {
            long now = System.nanoTime();
            long last = lastProgress.get();
            if (batch == batches || now - last >= settings.progressEvery().toNanos()) {
                lastProgress.set(now);
                sendEvent(eventProducer, event(req.jobId(), req, TrainingEvent.Type.PROGRESS, epoch, req.epochs(), batch,
                        batches, null, null, null));
            }
        }

        @Override
        public void epoch(EpochMetrics metrics, int epochs) {
            sendEvent(eventProducer, event(req.jobId(), req, TrainingEvent.Type.EPOCH, metrics.epoch(), epochs, 0, 0, metrics,
                    null, null));
            eventProducer.flush();
        }

        @Override
        public void warning(String message) {
            sendEvent(eventProducer, event(req.jobId(), req, TrainingEvent.Type.WARNING, 0, req.epochs(), 0, 0, null, null,
                    message));
            eventProducer.flush();
        }

        @Override
        public void interim(Path engineFile, java.util.List<EpochMetrics> history, Map<Integer, Long> snapshot,
                            java.util.List<String> classNames) {
            interims.add(new Interim(req, engineFile, history, snapshot, classNames));
        }
    }

    private static boolean refusedByCluster(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException || t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private void fail(Throwable t) {
        failure = t;
        failed.set(true);
        LOG.error("trainer: stopping after a fatal error: {}", t.toString(), t);
    }

    private void closeQuietly() {
        for (AutoCloseable c : new AutoCloseable[] {consumer, transactions, eventProducer}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.debug("close: {}", e.toString());
            }
        }
    }

    @Override
    public void stop() {
        if (closed.getAndSet(true)) {
            return;
        }
        stopRequested.countDown();
        if (consumer != null) {
            consumer.wakeup();
        }
        try {
            if (!done.await(ctx.worker().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("trainer: did not stop within {}", ctx.worker().shutdownTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean healthy() {
        return !failed.get();
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
        return Optional.ofNullable(failure);
    }
}
