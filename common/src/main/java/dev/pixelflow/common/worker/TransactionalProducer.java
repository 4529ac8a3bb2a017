package dev.pixelflow.common.worker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transactional id's producer across its whole life, for every worker that writes exactly once: a transaction
 * either commits or is aborted, and a producer that can no longer be used is closed and replaced by a new one with
 * the same transactional id at the next transaction (its {@code initTransactions} aborts whatever is still open).
 *
 * <p>A producer that cannot abort is in a fatal state (the coordinator may have aborted its transaction already,
 * e.g. one that outlived its timeout during a broker outage: InvalidTxnState). A fenced producer is replaced a
 * bounded number of times: the coordinator also fences a producer whose open transaction outlived
 * {@code transaction.timeout.ms}, and that must not stop the worker. Fenced again and again within
 * {@link #FENCE_WINDOW} means another live worker has the same transactional id: {@link TwinInstanceException}.
 *
 * <p>Not thread-safe: one thread (the worker's loop) owns it.
 */
public final class TransactionalProducer<K, V> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalProducer.class);
    /** Fences tolerated within {@link #FENCE_WINDOW} before the producer concludes it has a twin. */
    public static final int MAX_FENCES = 3;
    public static final Duration FENCE_WINDOW = Duration.ofMinutes(10);

    /** What one transaction sends; it runs between begin and commit. */
    @FunctionalInterface
    public interface Body<K, V> {
        void send(Producer<K, V> producer) throws Exception;
    }

    /** Fenced more than {@link #MAX_FENCES} times within {@link #FENCE_WINDOW}: another worker has this id. */
    public static final class TwinInstanceException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TwinInstanceException(String name, Throwable fence) {
            super(name + ": producer fenced " + (MAX_FENCES + 1) + " times within " + FENCE_WINDOW + ": another worker "
                    + "runs with the same transactional id (give each worker its own PIXELFLOW_INSTANCE_ID)", fence);
        }
    }

    private final String name;
    private final Supplier<? extends Producer<K, V>> factory;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Long> fences = new ArrayDeque<>();
    /** Null before the first transaction and after a fence or a failed abort. */
    private Producer<K, V> producer;

    /**
     * @param factory makes the transactional producer, always with the same transactional id: at the first
     *                transaction and again after each replacement
     */
    public TransactionalProducer(String name, Supplier<? extends Producer<K, V>> factory) {
        this(name, factory, System::nanoTime);
    }

    TransactionalProducer(String name, Supplier<? extends Producer<K, V>> factory, LongSupplier nanoTime) {
        this.name = name;
        this.factory = factory;
        this.nanoTime = nanoTime;
    }

    /** Starts the producer now rather than at the first transaction (so a bad configuration shows at start). */
    public void start() {
        if (producer != null) {
            return;
        }
        Producer<K, V> p = factory.get();
        try {
            // Also fences a predecessor with this transactional id and aborts its open transaction.
            p.initTransactions();
        } catch (RuntimeException e) {
            try {
                p.close(Duration.ZERO);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        producer = p;
    }

    /**
     * Runs {@code body} in one transaction and commits it. On any failure the transaction is aborted (or the
     * producer replaced, see above) and the failure rethrown, so that the caller decides whether to retry; a
     * fence beyond the tolerated number is rethrown as {@link TwinInstanceException}.
     */
    public void run(Body<K, V> body) throws Exception {
        start();
        try {
            producer.beginTransaction();
            body.send(producer);
            producer.commitTransaction();
        } catch (Exception e) {
            if (fenced(e)) {
                replace();
                if (!mayReplaceFencedProducer()) {
                    throw new TwinInstanceException(name, e);
                }
                LOG.warn("{}: producer fenced ({}); a transaction open longer than transaction.timeout.ms (for example"
                        + " across a broker outage) is aborted this way, so a new producer takes over ({} of {} fences "
                        + "allowed in {})", name, e.getMessage(), fences.size(), MAX_FENCES, FENCE_WINDOW);
            } else {
                abortQuietly();
            }
            throw e;
        }
    }

    /** True if {@code e} or one of its causes is a fence. */
    public static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException) {
                return true;
            }
        }
        return false;
    }

    /** Counts this fence; false once there have been too many within the window. */
    private boolean mayReplaceFencedProducer() {
        long now = nanoTime.getAsLong();
        while (!fences.isEmpty() && now - fences.peekFirst() > FENCE_WINDOW.toNanos()) {
            fences.pollFirst();
        }
        fences.addLast(now);
        return fences.size() <= MAX_FENCES;
    }

    private void abortQuietly() {
        if (producer == null) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            LOG.warn("{}: abort failed ({}); a new producer takes over", name, e.toString());
            replace();
        }
    }

    /** Closes the producer at once; the next transaction starts a new one. */
    private void replace() {
        close(Duration.ZERO);
    }

    /** Closes the producer, waiting up to {@code timeout} for records in flight. */
    public void close(Duration timeout) {
        if (producer == null) {
            return;
        }
        try {
            producer.close(timeout);
        } catch (RuntimeException e) {
            LOG.debug("{}: producer close: {}", name, e.toString());
        }
        producer = null;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
