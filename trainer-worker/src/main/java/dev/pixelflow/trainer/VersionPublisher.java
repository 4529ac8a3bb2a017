package dev.pixelflow.trainer;

import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ContentHash;
import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.common.message.TrainingEvent;
import dev.pixelflow.common.message.TrainingRequest;
import dev.pixelflow.common.model.ModelCatalog;
import dev.pixelflow.common.model.ModelPublisher;
import dev.pixelflow.common.rollout.RolloutChange;
import dev.pixelflow.common.rollout.RolloutState;
import dev.pixelflow.common.worker.Backoff;
import dev.pixelflow.common.worker.ErrorKind;
import dev.pixelflow.common.worker.FaultHook;
import dev.pixelflow.common.worker.TransactionalProducer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a training job's outcomes, each in one transaction of the trainer's {@link TransactionalProducer}: a model
 * version (its chunks, its manifest and its INTERIM or PUBLISHED event; the final version also carries the request's
 * offset, so a request is done exactly when its version is out) or a failure (the FAILED event and the offset).
 * A failed transaction is aborted and retried with backoff up to the worker's bound (a fenced producer is replaced
 * first; a twin instance is fatal). A version that is out already is not published again: an interim copy handed
 * over again after a crash, or a retry after a commit whose outcome was not known.
 *
 * <p>Each version's transaction also carries the model's new rollout state: whether the version became production
 * under the model's rule (newest, better by a margin, manual) or stays a candidate, with the numbers compared. So a
 * version and the decision about it are visible together or not at all.
 *
 * <p>Runs on the trainer's loop thread, the owner of its producer and consumer.
 */
final class VersionPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(VersionPublisher.class);

    private final TransactionalProducer<String, byte[]> transactions;
    private final String modelsTopic;
    private final String metricsTopic;
    private final String rolloutTopic;
    private final Function<String, RolloutState> rollouts;
    private final Supplier<List<ModelVersion>> known;
    private final Supplier<ConsumerGroupMetadata> group;
    private final int retryAttempts;
    private final Duration retryBackoff;
    private final CountDownLatch stopRequested;
    private final FaultHook beforeCommit;

    /**
     * @param known         every complete version on the models topic, read when a publish is about to start
     * @param group         the request consumer's group metadata, for offsets committed with a version
     * @param stopRequested counted down when the worker stops: a retry's backoff ends there
     * @param beforeCommit  called inside each version's transaction, its records flushed, before the commit
     * @param rollouts      the rollout state of a model name on {@code rolloutTopic}, or null when it has none
     */
    VersionPublisher(TransactionalProducer<String, byte[]> transactions, String modelsTopic, String metricsTopic,
                     String rolloutTopic, Function<String, RolloutState> rollouts, Supplier<List<ModelVersion>> known,
                     Supplier<ConsumerGroupMetadata> group, int retryAttempts,
                     Duration retryBackoff, CountDownLatch stopRequested, FaultHook beforeCommit) {
        this.transactions = transactions;
        this.modelsTopic = modelsTopic;
        this.metricsTopic = metricsTopic;
        this.rolloutTopic = rolloutTopic;
        this.rollouts = rollouts;
        this.known = known;
        this.group = group;
        this.retryAttempts = retryAttempts;
        this.retryBackoff = retryBackoff;
        this.stopRequested = stopRequested;
        this.beforeCommit = beforeCommit;
    }

    /**
     * Publishes the version a job made after {@code history.size()} epochs, unless a version of that job after that
     * many epochs is out already; an interim copy is deleted once its version is out.
     *
     * @param request the request's record when this is the job's final version (its offset commits with it), null
     *                for an interim version: the job goes on
     * @return the version published, or empty if it was out already
     */
    Optional<ModelVersion> publish(TrainingRequest req, Path engineFile, List<EpochMetrics> history,
                                   Map<Integer, Long> snapshot, List<String> classNames,
                                   ConsumerRecord<String, String> request) throws Exception {
        String what = (request == null ? "the version after epoch " + history.size() : "the final version") + " of job "
                + req.jobId();
        Optional<ModelVersion> out = retrying("publishing " + what, () -> {
            List<ModelVersion> versions = known.get();
            if (versions.stream().anyMatch(v -> req.jobId().equals(v.jobId()) && v.epochs() == history.size())) {
                LOG.info("trainer: {} is already published", what);
                if (request != null) {
                    // Its transaction committed the request's offset too; committing it again changes nothing.
                    transactions.run(p -> p.sendOffsetsToTransaction(offsetAfter(request), group.get()));
                }
                return Optional.empty();
            }
            byte[] artifact = Files.readAllBytes(engineFile);
            ModelVersion manifest = manifest(req, artifact, history, snapshot, classNames, versions);
            EpochMetrics last = manifest.last();
            RolloutState rollout = decide(req, manifest, versions);
            // The follower of the job (train) prints the message: the version and what the rollout made of it.
            String message = manifest.ref() + "; rollout: " + rollout.change().detail();
            TrainingEvent event = request == null
                    ? TrainerWorker.event(req.jobId(), req, TrainingEvent.Type.INTERIM, last.epoch(), req.epochs(), 0, 0,
                            last, manifest.version(), message)
                    : TrainerWorker.event(req.jobId(), req, TrainingEvent.Type.PUBLISHED, req.epochs(), req.epochs(), 0, 0,
                            last, manifest.version(), message);
            transactions.run(p -> {
                ModelPublisher.send(p, modelsTopic, manifest, artifact);
                p.send(new ProducerRecord<>(rolloutTopic, req.model(), RolloutState.SERDE.serialize(rolloutTopic, rollout)));
                send(p, event);
                if (request != null) {
                    p.sendOffsetsToTransaction(offsetAfter(request), group.get());
                }
                // The version's records are in the topic, uncommitted: the moment a fault test aims its kill at.
                p.flush();
                beforeCommit.reached(manifest.ref());
            });
            LOG.info("trainer: published {} after epoch {} of job {} ({} bytes in {} chunks, val acc {}){}", manifest.ref(),
                    history.size(), req.jobId(), artifact.length, manifest.chunkCount(),
                    last == null ? "n/a" : String.format("%.4f", last.valAccuracy()),
                    request == null ? "; training goes on" : "");
            LOG.info("trainer: rollout of {}: {}", req.model(), rollout.change().detail());
            return Optional.of(manifest);
        });
        if (request == null) {
            // An interim copy is handed over again after a crash as long as it exists; the final engine file is the
            // job's checkpoint and stays.
            deleteQuietly(engineFile);
        }
        return out;
    }

    /**
     * The model's rollout state once {@code manifest} is out. A name without a state serves its newest version: that
     * is the production the rule compares with.
     */
    private RolloutState decide(TrainingRequest req, ModelVersion manifest, List<ModelVersion> versions) {
        RolloutState state = rollouts.apply(req.model());
        if (state == null) {
            Integer newest = versions.stream().filter(v -> v.name().equals(req.model())).map(ModelVersion::version)
                    .max(Integer::compare).orElse(null);
            state = RolloutState.initial(req.model(), newest);
        }
        Integer production = state.production();
        ModelVersion current = production == null ? null : versions.stream()
                .filter(v -> v.name().equals(req.model()) && v.version() == production).findFirst().orElse(null);
        return state.onPublished(manifest, current, req.publish().candidate(),
                RolloutChange.now("published", "job " + req.jobId(), null));
    }

    /** Ends a request without a version: its FAILED event and its offset, in one transaction. */
    void fail(ConsumerRecord<String, String> request, TrainingEvent failed) throws Exception {
        retrying("reporting the failure of job " + failed.jobId(), () -> {
            transactions.run(p -> {
                send(p, failed);
                p.sendOffsetsToTransaction(offsetAfter(request), group.get());
            });
            return null;
        });
    }

    private <T> T retrying(String what, Callable<T> attempt) throws Exception {
        for (int n = 1; ; n++) {
            try {
                return attempt.call();
            } catch (TransactionalProducer.TwinInstanceException e) {
                throw e;
            } catch (Exception e) {
                boolean fenced = TransactionalProducer.fenced(e);
                if (!fenced && ErrorKind.of(e) == ErrorKind.FATAL) {
                    throw e;
                }
                if (n > retryAttempts) {
                    throw new IllegalStateException("trainer: " + what + " still failing after " + retryAttempts
                            + " retries", e);
                }
                LOG.warn("trainer: {} failed ({}), retrying ({}/{})", what, e.toString(), n, retryAttempts);
                // A fenced producer has been replaced already: its successor may go at once.
                if (!fenced && stopRequested.await(Backoff.millis(retryBackoff, n), TimeUnit.MILLISECONDS)) {
                    throw new InterruptedException("trainer: stopping while " + what + " was failing");
                }
            }
        }
    }

    private void send(Producer<String, byte[]> p, TrainingEvent e) {
        p.send(new ProducerRecord<>(metricsTopic, e.jobId(), TrainingEvent.SERDE.serialize(metricsTopic, e)));
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsetAfter(ConsumerRecord<?, ?> r) {
        return Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
    }

    private static ModelVersion manifest(TrainingRequest req, byte[] artifact, List<EpochMetrics> history,
                                         Map<Integer, Long> snapshot, List<String> classNames, List<ModelVersion> known) {
        int version = ModelCatalog.nextVersion(known, req.model());
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, req.model(), version, Instant.now(), req.jobId(),
                "samediff", new String(TrainingRequest.SERDE.serialize("", req), StandardCharsets.UTF_8), snapshot,
                history.size(), history, classNames, req.inputShape(),
                ImagePreprocessor.fingerprint(req.inputShape()), ContentHash.sha256Hex(artifact), artifact.length,
                ModelPublisher.chunkCount(artifact.length));
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", file, e.toString());
        }
    }
}
