package dev.pixelflow.reliability;

import dev.pixelflow.common.worker.DaemonThreads;
import dev.pixelflow.testkit.TestProducers;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A client producing inputs at a steady rate on its own thread, with acks=all and idempotence, as a careful
 * producer against a replicated cluster would: it survives a broker's loss by retrying within its delivery timeout.
 */
final class Load implements AutoCloseable {
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** @param perSecond 0 for as fast as the producer takes them */
    Load(String name, String bootstrap, List<Inputs.Input> inputs, Function<Inputs.Input, ProducerRecord<String, byte[]>> record,
         int perSecond) {
        thread = DaemonThreads.named(name).newThread(() -> run(bootstrap, inputs, record, perSecond));
    }

    Load start() {
        thread.start();
        return this;
    }

    private void run(String bootstrap, List<Inputs.Input> inputs, Function<Inputs.Input, ProducerRecord<String, byte[]>> record,
                     int perSecond) {
        long interval = perSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / perSecond;
        long next = System.nanoTime();
        // Sends outlive a broker restart in the fault scenarios.
        try (KafkaProducer<String, byte[]> producer = TestProducers.create(bootstrap, new StringSerializer(),
                new ByteArraySerializer(), Map.of("enable.idempotence", true, "delivery.timeout.ms", 180_000))) {
            for (Inputs.Input in : inputs) {
                producer.send(record.apply(in), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acked.incrementAndGet();
                    }
                });
                sent.incrementAndGet();
                if (interval > 0) {
                    next += interval;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
            }
            producer.flush();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    int sent() {
        return sent.get();
    }

    int acked() {
        return acked.get();
    }

    Throwable failure() {
        return failure.get();
    }

    /** Waits until every input was sent and acknowledged (or failed); true if it finished in time. */
    boolean await(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /** Waits for the sender to finish what it was given (it has its own delivery timeout). */
    @Override
    public void close() {
        try {
            thread.join(200_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
