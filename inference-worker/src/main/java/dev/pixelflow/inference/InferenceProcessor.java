package dev.pixelflow.inference;

import dev.pixelflow.common.image.ImageException;
import dev.pixelflow.imaging.ImagePreprocessor;
import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.message.ShadowAnswer;
import dev.pixelflow.common.worker.BatchProcessor;
import dev.pixelflow.common.worker.PendingBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of requests → one answer each, inside the loop's transaction. Images are decoded in parallel on the
 * decode pool, requests are grouped by the model that answers them and run through its engine in batches on the
 * engine thread (each batch as soon as its images are decoded), and answers are sent in input order. A request that
 * cannot be served (bad image, expired, unknown model, missing reply topic) gets an error answer; only failures of
 * the worker itself (engine, Kafka) abort the batch. A model's shadow version classifies the requests its production
 * version answered, in the same engine pass, after them; its answers go to the shadow topic in the same transaction.
 */
final class InferenceProcessor implements BatchProcessor<String, byte[], String, ClassifyResult> {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceProcessor.class);
    static final String OUTCOME_OK = "ok";

    /** What became of one request, before it is stamped with its latency. */
    private record Outcome(String label, double confidence, Map<String, Double> scores, String model, Integer version,
                           String error, String detail) {
        static Outcome error(String code, String detail, LoadedModel model) {
            return new Outcome(null, 0, null, model == null ? null : model.name(), model == null ? null : model.version(),
                    code, detail);
        }
    }

    private final ImagePreprocessor preprocessor;
    private final ExecutorService decodePool;
    private final EngineThread engines;
    private final ModelResolver resolver;
    private final ReplyTopics replyTopics;
    private final String defaultTopic;
    private final String shadowTopic;
    private final int batchSize;
    private final String instanceId;
    private final LongSupplier clock;
    private final MeterRegistry metrics;
    private final Counter requests;
    private final DistributionSummary batchSizes;
    private final Timer latency;
    private final Map<String, Counter> answers = new HashMap<>();
    private final RouteMetrics routeMetrics;

    InferenceProcessor(ImagePreprocessor preprocessor, ExecutorService decodePool, EngineThread engines,
                       ModelResolver resolver, ReplyTopics replyTopics, String defaultTopic, String shadowTopic, int batchSize,
                       String instanceId, LongSupplier clock, MeterRegistry metrics) {
        this.preprocessor = preprocessor;
        this.decodePool = decodePool;
        this.engines = engines;
        this.resolver = resolver;
        this.replyTopics = replyTopics;
        this.defaultTopic = defaultTopic;
        this.shadowTopic = shadowTopic;
        this.routeMetrics = new RouteMetrics(metrics);
        this.batchSize = batchSize;
        this.instanceId = instanceId;
        this.clock = clock;
        this.metrics = metrics;
        this.requests = Counter.builder("pixelflow_inference_requests").description("classify requests read").register(metrics);
        this.batchSizes = DistributionSummary.builder("pixelflow_inference_batch_size").description("images per engine call")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, batchSize))
                .register(metrics);
        // Client-side percentiles, not a histogram: Prometheus exposes one or the other, and p50/p95/p99 are what
        // an operator reads first (they are per worker; sum the rate of _count across workers for throughput).
        this.latency = Timer.builder("pixelflow_inference_latency")
                .description("request timestamp to answer: queueing, decoding and inference")
                .publishPercentiles(0.5, 0.95, 0.99).register(metrics);
    }

    /**
     * On the loop thread: reads the requests, resolves their models and hands the images to the decode pool; the
     * engine thread then runs each model's batches as soon as their images are decoded, while the loop goes on
     * committing the previous poll and reading the next.
     */
    @Override
    public PendingBatch<String, ClassifyResult> start(ConsumerRecords<String, byte[]> records) throws Exception {
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        int n = batch.size();
        requests.increment(n);
        resolver.beginBatch();
        long now = clock.getAsLong();

        ClassifyRequest[] reqs = new ClassifyRequest[n];
        Outcome[] outcomes = new Outcome[n];
        for (int i = 0; i < n; i++) {
            ClassifyRequest req = ClassifyRequest.from(batch.get(i), defaultTopic);
            if (req.problem() == null && !replyTopics.exists(req.replyTo())) {
                req = req.withReplyTo(defaultTopic, new ClassifyRequest.Problem(ErrorCodes.BAD_REPLY_TO,
                        "reply-to topic '" + req.replyTo() + "' does not exist; answered on " + defaultTopic));
            }
            reqs[i] = req;
            if (req.problem() != null) {
                outcomes[i] = Outcome.error(req.problem().code(), req.problem().detail(), null);
            } else if (req.expiredAt(now)) {
                outcomes[i] = Outcome.error(ErrorCodes.EXPIRED, "deadline " + req.deadline() + " passed "
                        + (now - req.deadline()) + " ms before the request was read", null);
            }
        }

        Set<ModelRef> refs = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            if (outcomes[i] == null) {
                refs.add(reqs[i].model());
            }
        }
        Map<ModelRef, ModelResolver.Target> targets = resolver.resolveAll(refs);
        LoadedModel[] models = new LoadedModel[n];
        LoadedModel[] shadows = new LoadedModel[n];
        String[] routes = new String[n];
        List<Future<byte[]>> decoded = new ArrayList<>(Collections.nCopies(n, null));
        List<Future<byte[]>> shadowDecoded = new ArrayList<>(Collections.nCopies(n, null));
        for (int i = 0; i < n; i++) {
            if (outcomes[i] != null) {
                continue;
            }
            ModelResolver.Target target = targets.get(reqs[i].model());
            ModelResolver.Resolution r = target.pick(reqs[i].requestId());
            if (!r.ok()) {
                outcomes[i] = Outcome.error(r.error(), r.detail(), null);
                continue;
            }
            LoadedModel model = r.model();
            models[i] = model;
            routes[i] = r.route();
            byte[] image = reqs[i].image();
            Future<byte[]> pixels = decodePool.submit(() -> preprocessor.toHwc(image, model.inputShape()));
            decoded.set(i, pixels);
            LoadedModel shadow = target.shadowFor(r);
            if (shadow != null) {
                shadows[i] = shadow;
                shadowDecoded.set(i, shadow.inputShape().equals(model.inputShape()) ? pixels
                        : decodePool.submit(() -> preprocessor.toHwc(image, shadow.inputShape())));
            }
        }

        List<Batches.Group<LoadedModel>> groups = Batches.groups(n, i -> models[i]);
        Outcome[] shadowOutcomes = new Outcome[n];
        Future<Void> inferred = engines.submit(() -> {
            for (Batches.Group<LoadedModel> group : groups) {
                inferGroup(group, reqs, decoded, outcomes);
            }
            // The shadow sees only what production answered, so that every shadow answer has a label beside it.
            for (Batches.Group<LoadedModel> group : Batches.groups(n,
                    i -> shadows[i] != null && outcomes[i] != null && outcomes[i].error() == null ? shadows[i] : null)) {
                inferGroup(group, reqs, shadowDecoded, shadowOutcomes);
            }
            return null;
        });
        return new Pending(reqs, outcomes, routes, shadowOutcomes, decoded, inferred);
    }

    /** A poll being decoded and inferred; its answers go out in input order once the engine is through with it. */
    private final class Pending implements PendingBatch<String, ClassifyResult> {
        private final ClassifyRequest[] reqs;
        private final Outcome[] outcomes;
        private final String[] routes;
        private final Outcome[] shadowOutcomes;
        private final List<Future<byte[]>> decoded;
        private final Future<Void> inferred;

        Pending(ClassifyRequest[] reqs, Outcome[] outcomes, String[] routes, Outcome[] shadowOutcomes,
                List<Future<byte[]>> decoded, Future<Void> inferred) {
            this.reqs = reqs;
            this.outcomes = outcomes;
            this.routes = routes;
            this.shadowOutcomes = shadowOutcomes;
            this.decoded = decoded;
            this.inferred = inferred;
        }

        @Override
        public boolean isDone() {
            return inferred.isDone();
        }

        @Override
        public void sendTo(Producer<String, ClassifyResult> producer) throws Exception {
            try {
                inferred.get(); // also makes the engine thread's outcomes visible here
            } catch (ExecutionException e) {
                // The engine's own exception, so that the loop tells a fatal error from a retriable one.
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e;
            }
            for (int i = 0; i < reqs.length; i++) {
                send(producer, reqs[i], outcomes[i], routes[i]);
            }
            for (int i = 0; i < reqs.length; i++) {
                if (shadowOutcomes[i] != null && shadowOutcomes[i].error() == null) {
                    sendShadow(producer, reqs[i], shadowOutcomes[i], outcomes[i]);
                }
            }
        }

        @Override
        public void discard() {
            // Started work runs to its end (an engine call cannot be interrupted); its outcomes are dropped.
            inferred.cancel(false);
            for (Future<byte[]> f : decoded) {
                if (f != null) {
                    f.cancel(false);
                }
            }
        }
    }

    /**
     * Runs a model over its requests in engine batches of up to {@code batchSize} decoded images; images that
     * failed to decode get their error and leave no hole in a batch.
     */
    private void inferGroup(Batches.Group<LoadedModel> group, ClassifyRequest[] reqs, List<Future<byte[]>> decoded,
                            Outcome[] outcomes) throws InterruptedException {
        LoadedModel model = group.key();
        List<Integer> ready = new ArrayList<>(batchSize);
        List<byte[]> pixels = new ArrayList<>(batchSize);
        for (int i : group.indices()) {
            try {
                pixels.add(decoded.get(i).get());
                ready.add(i);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ImageException ie) {
                    outcomes[i] = Outcome.error(ie.code(), ie.getMessage(), model);
                } else {
                    // Not a known kind of bad image, but still this image's problem: it must not fail the batch.
                    outcomes[i] = Outcome.error(ImageException.Reason.CORRUPT.code(), "image could not be decoded: " + cause,
                            model);
                    LOG.warn("unexpected decode failure: {}", cause.toString(), cause);
                }
            }
            if (ready.size() == batchSize) {
                infer(model, reqs, ready, pixels, outcomes);
                ready.clear();
                pixels.clear();
            }
        }
        if (!ready.isEmpty()) {
            infer(model, reqs, ready, pixels, outcomes);
        }
    }

    private void infer(LoadedModel model, ClassifyRequest[] reqs, List<Integer> indices, List<byte[]> pixels,
                       Outcome[] outcomes) {
        ImageShape shape = model.inputShape();
        int k = indices.size();
        int len = shape.length();
        float[] features = new float[k * len];
        boolean nchw = model.engine().channelsFirst();
        for (int j = 0; j < k; j++) {
            ImagePreprocessor.toUnitFloat(pixels.get(j), shape, features, j * len, nchw);
        }
        boolean[] tta = new boolean[k];
        boolean byDefault = model.tta(); // read from the manifest's request once per engine batch, not per image
        for (int j = 0; j < k; j++) {
            Boolean asked = reqs[indices.get(j)].tta();
            tta[j] = asked != null ? asked : byDefault;
        }
        float[][] probabilities = model.classify(features, k, tta);
        batchSizes.record(k);
        List<String> classes = model.classNames();
        for (int j = 0; j < k; j++) {
            float[] p = probabilities[j];
            int best = Batches.argmax(p);
            Map<String, Double> scores = new HashMap<>();
            for (int c = 0; c < classes.size(); c++) {
                scores.put(classes.get(c), (double) p[c]);
            }
            outcomes[indices.get(j)] = new Outcome(classes.get(best), p[best], scores, model.name(), model.version(), null,
                    null);
        }
    }

    private void send(Producer<String, ClassifyResult> producer, ClassifyRequest req, Outcome o, String route) {
        long latencyMs = req.latencyAt(clock.getAsLong());
        ClassifyResult result = o.error() == null
                ? ClassifyResult.answer(req.requestId(), req.correlationId(), o.label(), o.confidence(), o.scores(), o.model(),
                        o.version(), latencyMs, route)
                : ClassifyResult.failure(req.requestId(), req.correlationId(), o.error(), o.detail(), o.model(), o.version(),
                        latencyMs, o.model() == null ? null : route);
        RecordHeaders headers = new RecordHeaders();
        headers.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8(req.correlationId()));
        headers.add(InferenceWorker.ANSWERED_BY, MessageHeaders.utf8(instanceId));
        producer.send(new ProducerRecord<>(req.replyTo(), null, req.requestId(), result, headers));
        String outcome = o.error() == null ? OUTCOME_OK : o.error();
        answers.computeIfAbsent(outcome, key -> Counter.builder("pixelflow_inference_answers")
                .description("answers sent, by outcome (ok or error code)").tag("outcome", key).register(metrics)).increment();
        latency.record(latencyMs, TimeUnit.MILLISECONDS);
        if (o.error() == null) {
            routeMetrics.record(o.model(), o.version(), route, o.confidence(), latencyMs);
        } else {
            LOG.debug("request {} ({}): {} {}", req.requestId(), req.correlationId(), o.error(), o.detail());
        }
    }

    /**
     * The shadow's answer goes to the shadow topic, keyed by request id like the answer, in the same transaction: the
     * producer's value type is the reply's, so the record is written as bytes through an untyped view.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void sendShadow(Producer<String, ClassifyResult> producer, ClassifyRequest req, Outcome shadow,
                            Outcome production) {
        long latencyMs = req.latencyAt(clock.getAsLong());
        ShadowAnswer answer = new ShadowAnswer(ShadowAnswer.SCHEMA_VERSION, req.requestId(), shadow.model(),
                shadow.version(), shadow.label(), shadow.confidence(), production.version(), production.label(), latencyMs);
        ((Producer) producer).send(new ProducerRecord<>(shadowTopic, req.requestId(), answer));
        routeMetrics.record(shadow.model(), shadow.version(), "shadow", shadow.confidence(), latencyMs);
    }
}
