package dev.pixelflow.cli.classify;

import dev.pixelflow.common.kafka.KafkaClients;
import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.worker.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The client half of classify-over-Kafka, shared by {@code classify} and {@code eval}: sends each image to
 * {@code classify.requests} (key a random request id, header {@code correlation-id} = a per-run prefix plus
 * the image's index) and collects the answers from the results topic by correlation id.
 *
 * <p>The results topic is read from its end as of <em>before</em> the first send (all partitions assigned,
 * positions fixed, read_committed), so no answer can be missed and none of another run is mistaken for ours.
 * At most {@code maxInFlight} requests wait for answers at a time, so a large set neither floods the workers
 * nor times out while queued. The run gives up when no answer has arrived for {@code timeout}; the requests
 * still open are then reported as timed out.
 *
 * <p>Outcomes reach the caller's sink on the calling thread, in input order, exactly once per image.
 */
public final class ClassifyClient {
    /** How long one poll of the results waits; also the granularity of the timeout. */
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

    /** What to send for an index: the image, or why it is not sent. */
    public record Item(String name, byte[] image, String skipped) {
        public static Item image(String name, byte[] image) {
            return new Item(name, Objects.requireNonNull(image, "image"), null);
        }

        public static Item skip(String name, String reason) {
            return new Item(name, null, reason);
        }
    }

    /** The images of one run, by index; {@link #item} may read lazily and is called from one sender thread. */
    public interface Source {
        int size();

        Item item(int index);

        /** A name for an image that was never read (the run timed out before sending it). */
        default String name(int index) {
            return "#" + index;
        }
    }

    /** How one image ended. */
    public enum Status { ANSWERED, SKIPPED, SEND_FAILED, TIMED_OUT }

    /**
     * @param result the worker's answer (ANSWERED only); it may itself be an error answer
     * @param reason why it was skipped, could not be sent or timed out
     */
    public record Outcome(int index, String name, String requestId, String correlationId, Status status,
                          ClassifyResult result, String reason) {
        /** True for the failures of the transport, which make a command exit non-zero. */
        public boolean transportFailure() {
            return status == Status.SEND_FAILED || status == Status.TIMED_OUT;
        }
    }

    /** Counts of one run. */
    public record Summary(int answered, int errorAnswers, int skipped, int sendFailed, int timedOut) {
        public boolean transportFailures() {
            return sendFailed > 0 || timedOut > 0;
        }
    }

    private final KafkaClients clients;
    private final String requestsTopic;
    private final String resultsTopic;
    private final String model;
    private final Duration timeout;
    private final int maxInFlight;
    private final Boolean tta;

    /**
     * @param model   {@code NAME} or {@code NAME:VERSION} for the {@code model} header, or null for the worker's default
     * @param timeout give up after this long without any answer
     */
    public ClassifyClient(KafkaClients clients, String requestsTopic, String resultsTopic, String model, Duration timeout,
                          int maxInFlight) {
        this(clients, requestsTopic, resultsTopic, model, timeout, maxInFlight, null);
    }

    /** @param tta the {@code tta} header of every request ({@code on} or {@code off}), or null for the version's own */
    public ClassifyClient(KafkaClients clients, String requestsTopic, String resultsTopic, String model, Duration timeout,
                          int maxInFlight, Boolean tta) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.clients = clients;
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.model = model;
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.tta = tta;
    }

    /** Sends every image of {@code source} and hands each outcome to {@code sink}, in input order. */
    public Summary run(Source source, Consumer<Outcome> sink) throws InterruptedException {
        int n = source.size();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Pending> pending = new ConcurrentHashMap<>();
        Queue<Outcome> completed = new ConcurrentLinkedQueue<>();
        Semaphore window = new Semaphore(maxInFlight);
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Outcome[] outcomes = new Outcome[n];
        int released = 0;
        int answered = 0;
        int errorAnswers = 0;
        int skipped = 0;
        int sendFailed = 0;
        int timedOut = 0;

        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(null, true, new StringDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = clients.producer("classify", new StringSerializer(),
                     new ByteArraySerializer())) {
            startAtEnd(consumer);
            Thread sender = DaemonThreads.named("classify-sender")
                    .newThread(() -> send(source, runId, producer, pending, completed, window, senderFailure));
            sender.start();
            long lastProgress = System.nanoTime();
            try {
                while (released < n) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                        Outcome o = match(r, pending);
                        if (o != null) {
                            completed.add(o);
                            window.release();
                        }
                    }
                    if (senderFailure.get() != null) {
                        throw new IllegalStateException("sending requests failed: " + senderFailure.get().getMessage(),
                                senderFailure.get());
                    }
                    for (Outcome o; (o = completed.poll()) != null; ) {
                        outcomes[o.index()] = o;
                        lastProgress = System.nanoTime();
                    }
                    if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                        sender.interrupt();
                        sender.join(5_000);
                        for (Outcome o; (o = completed.poll()) != null; ) {
                            outcomes[o.index()] = o;
                        }
                        for (int i = 0; i < n; i++) {
                            if (outcomes[i] == null) {
                                outcomes[i] = timedOut(i, source, pending);
                            }
                        }
                    }
                    while (released < n && outcomes[released] != null) {
                        Outcome o = outcomes[released];
                        outcomes[released] = null; // delivered: let the answer be collected
                        released++;
                        switch (o.status()) {
                            case ANSWERED -> {
                                answered++;
                                if (!o.result().ok()) {
                                    errorAnswers++;
                                }
                            }
                            case SKIPPED -> skipped++;
                            case SEND_FAILED -> sendFailed++;
                            case TIMED_OUT -> timedOut++;
                        }
                        sink.accept(o);
                    }
                }
            } finally {
                sender.interrupt();
            }
        }
        return new Summary(answered, errorAnswers, skipped, sendFailed, timedOut);
    }

    /** An image sent and not yet answered. */
    private record Pending(int index, String name, String requestId, String correlationId) {
    }

    private void startAtEnd(KafkaConsumer<String, byte[]> consumer) {
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(resultsTopic, METADATA_TIMEOUT)
                .forEach(p -> partitions.add(new TopicPartition(resultsTopic, p.partition())));
        if (partitions.isEmpty()) {
            throw new IllegalStateException("results topic " + resultsTopic + " has no partitions");
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: fix the positions now, before the first request can be answered.
        partitions.forEach(tp -> consumer.position(tp, METADATA_TIMEOUT));
    }

    private void send(Source source, String runId, KafkaProducer<String, byte[]> producer, Map<String, Pending> pending,
                      Queue<Outcome> completed, Semaphore window, AtomicReference<Throwable> failure) {
        try {
            for (int i = 0; i < source.size(); i++) {
                window.acquire();
                Item item = source.item(i);
                if (item.image() == null) {
                    completed.add(new Outcome(i, item.name(), null, null, Status.SKIPPED, null, item.skipped()));
                    window.release();
                    continue;
                }
                String requestId = UUID.randomUUID().toString();
                String correlationId = runId + "-" + i;
                Pending p = new Pending(i, item.name(), requestId, correlationId);
                pending.put(correlationId, p);
                RecordHeaders headers = new RecordHeaders();
                headers.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8(correlationId));
                headers.add(MessageHeaders.FILENAME, MessageHeaders.utf8(item.name()));
                if (model != null) {
                    headers.add(MessageHeaders.MODEL, MessageHeaders.utf8(model));
                }
                if (tta != null) {
                    headers.add(MessageHeaders.TTA, MessageHeaders.utf8(tta ? "on" : "off"));
                }
                producer.send(new ProducerRecord<>(requestsTopic, null, requestId, item.image(), headers), (md, e) -> {
                    if (e != null && pending.remove(correlationId) != null) {
                        completed.add(new Outcome(p.index(), p.name(), requestId, correlationId, Status.SEND_FAILED, null,
                                e.getMessage()));
                        window.release();
                    }
                });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // stopped by the timeout while blocked in the producer
        } catch (RuntimeException e) {
            failure.set(e);
        }
    }

    private static Outcome match(ConsumerRecord<String, byte[]> record, Map<String, Pending> pending) {
        String correlationId = MessageHeaders.text(record.headers(), MessageHeaders.CORRELATION_ID);
        if (correlationId == null) {
            return null;
        }
        Pending p = pending.remove(correlationId);
        if (p == null) {
            return null; // another client's answer, or a duplicate
        }
        ClassifyResult result;
        try {
            result = ClassifyResult.SERDE.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            result = ClassifyResult.failure(p.requestId(), correlationId, "unreadable-answer", e.getMessage(), null, null, 0,
                    null);
        }
        return new Outcome(p.index(), p.name(), p.requestId(), correlationId, Status.ANSWERED, result, null);
    }

    private Outcome timedOut(int index, Source source, Map<String, Pending> pending) {
        for (Pending p : pending.values()) {
            if (p.index() == index) {
                return new Outcome(index, p.name(), p.requestId(), p.correlationId(), Status.TIMED_OUT, null,
                        "no answer within " + describe(timeout));
            }
        }
        return new Outcome(index, source.name(index), null, null, Status.TIMED_OUT, null,
                "not sent: no answers within " + describe(timeout));
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
