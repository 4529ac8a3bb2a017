package dev.pixelflow.bench;

import dev.pixelflow.common.message.ClassifyResult;
import dev.pixelflow.common.message.MessageHeaders;
import dev.pixelflow.common.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A classify client for load: sends JPEGs to classify.requests and reads the answers (read_committed, as a real
 * client sees them) on one thread, so every latency is from its own send to its own receipt. Two modes: a closed
 * loop that keeps a fixed number of requests in flight (the pipeline never starves), and an open loop that sends
 * at a fixed rate whatever the answers do.
 */
final class LoadClient implements AutoCloseable {
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    /**
     * One phase's outcome.
     *
     * @param answered        answers received in the measured window
     * @param errors          of those, error answers (bad image, no model...)
     * @param perSecond       answers per second over the window
     * @param latencyMs       client-measured send-to-receipt latency of each answer in the window
     * @param workerLatencyMs the worker's own {@code latencyMs} of the same answers (no commit, no delivery)
     * @param cpuSeconds      CPU time spent in the window by what the caller's first clock counts, NaN when not measured
     * @param brokerCpuSeconds the same by the caller's second clock (the broker's share), NaN when not measured
     */
    record Result(long sent, long answered, long errors, double seconds, double perSecond, double[] latencyMs,
                  double[] workerLatencyMs, double cpuSeconds, double brokerCpuSeconds) {
    }

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, ClassifyResult> consumer;
    private final String requestTopic;
    private final List<byte[]> images;
    private final Map<String, Long> inFlight = new HashMap<>();
    private long sequence;

    LoadClient(String bootstrap, Topics topics, List<byte[]> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("the load client needs at least one image");
        }
        this.requestTopic = topics.classifyRequests.name();
        this.images = List.copyOf(images);
        Properties pp = new Properties();
        pp.put("bootstrap.servers", bootstrap);
        pp.put("acks", "all");
        pp.put("linger.ms", 0);
        pp.put("max.request.size", Topics.IMAGE_MESSAGE_BYTES);
        producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
        Properties cp = new Properties();
        cp.put("bootstrap.servers", bootstrap);
        cp.put("isolation.level", "read_committed");
        cp.put("enable.auto.commit", false);
        consumer = new KafkaConsumer<>(cp, new StringDeserializer(), ClassifyResult.SERDE);
        String results = topics.classifyResults.name();
        List<TopicPartition> parts = consumer.partitionsFor(results, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(results, i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // resolve the lazy seek now, before the first request is sent
    }

    /**
     * Keeps {@code window} requests in flight: {@code warmup} unmeasured (model and JIT warm-up), then
     * {@code measure} counted; then waits for the stragglers so the next phase starts empty.
     */
    Result closedLoop(int window, Duration warmup, Duration measure, LongSupplier cpuNanos, LongSupplier brokerCpuNanos) {
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long measureTo = measureFrom + measure.toNanos();
        Sink sink = new Sink();
        long sentInWindow = 0;
        long cpuFrom = -1;
        long brokerFrom = -1;
        while (System.nanoTime() < measureTo) {
            while (inFlight.size() < window) {
                send();
                if (System.nanoTime() >= measureFrom) {
                    sentInWindow++;
                }
            }
            if (cpuFrom < 0 && System.nanoTime() >= measureFrom) {
                cpuFrom = cpuNanos.getAsLong();
                brokerFrom = brokerCpuNanos.getAsLong();
            }
            receive(Duration.ofMillis(50), sink, measureFrom, measureTo);
        }
        double cpu = cpuFrom < 0 ? Double.NaN : (cpuNanos.getAsLong() - cpuFrom) / 1e9;
        double brokerCpu = brokerFrom < 0 ? Double.NaN : (brokerCpuNanos.getAsLong() - brokerFrom) / 1e9;
        drain(null);
        return sink.result(sentInWindow, (measureTo - measureFrom) / 1e9, cpu, brokerCpu);
    }

    /** Sends at {@code ratePerSecond} for {@code duration} whatever the answers do, then waits for every answer. */
    Result paced(double ratePerSecond, Duration duration) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
        }
        long interval = (long) (1e9 / ratePerSecond);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long next = start;
        long sent = 0;
        Sink sink = new Sink();
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            while (now >= next && next < end) {
                send();
                sent++;
                next += interval;
            }
            long waitMs = Math.max(0, Math.min((next - System.nanoTime()) / 1_000_000, 20));
            receive(Duration.ofMillis(waitMs), sink, start, Long.MAX_VALUE);
        }
        drain(sink);
        return sink.result(sent, duration.toNanos() / 1e9, Double.NaN, Double.NaN);
    }

    private void send() {
        String id = "req-" + sequence;
        byte[] image = images.get((int) (sequence % images.size()));
        sequence++;
        RecordHeaders h = new RecordHeaders();
        h.add(MessageHeaders.CORRELATION_ID, MessageHeaders.utf8(id));
        inFlight.put(id, System.nanoTime());
        producer.send(new ProducerRecord<>(requestTopic, null, id, image, h));
    }

    /** Polls once; answers received between {@code from} and {@code until} go to {@code sink} (null: not measured). */
    private void receive(Duration timeout, Sink sink, long from, long until) {
        for (ConsumerRecord<String, ClassifyResult> r : consumer.poll(timeout)) {
            long now = System.nanoTime();
            Long sentAt = inFlight.remove(r.key());
            if (sentAt == null) {
                continue; // an answer to a request of an earlier phase that was given up on
            }
            if (sink != null && now >= from && now <= until) {
                sink.add((now - sentAt) / 1e6, r.value());
            }
        }
    }

    private void drain(Sink sink) {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            receive(Duration.ofMillis(100), sink, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (!inFlight.isEmpty()) {
            Progress.say("infer: %d requests still unanswered after %s; not counted", inFlight.size(), DRAIN_TIMEOUT);
            inFlight.clear();
        }
    }

    /** Collects the answers of one measured window. */
    private static final class Sink {
        private final List<Double> latency = new ArrayList<>();
        private final List<Double> workerLatency = new ArrayList<>();
        private long errors;

        void add(double latencyMs, ClassifyResult result) {
            latency.add(latencyMs);
            if (result.latencyMs() != null) {
                workerLatency.add(result.latencyMs().doubleValue());
            }
            if (!result.ok()) {
                errors++;
            }
        }

        Result result(long sent, double seconds, double cpuSeconds, double brokerCpuSeconds) {
            return new Result(sent, latency.size(), errors, seconds, latency.size() / seconds,
                    latency.stream().mapToDouble(Double::doubleValue).toArray(),
                    workerLatency.stream().mapToDouble(Double::doubleValue).toArray(), cpuSeconds, brokerCpuSeconds);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close();
    }
}
