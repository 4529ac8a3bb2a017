package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The producer lifecycle every exactly-once writer shares, on Kafka's mock producer. */
class TransactionalProducerTest {
    private final MockProducer<String, String> first = mock();
    private final MockProducer<String, String> second = mock();
    /** What the lifecycle gets each time it makes a producer. */
    private final Queue<MockProducer<String, String>> made = new ConcurrentLinkedQueue<>(List.of(first, second));
    private final AtomicLong now = new AtomicLong();
    private final TransactionalProducer<String, String> tx = new TransactionalProducer<>("test", made::poll, now::get);

    private static MockProducer<String, String> mock() {
        return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    }

    private static TransactionalProducer.Body<String, String> sending(String value) {
        return p -> p.send(new ProducerRecord<>("out", value, value));
    }

    @Test
    void aTransactionCommitsWhatItsBodySent() throws Exception {
        tx.run(sending("a"));
        tx.run(sending("b"));

        assertThat(first.transactionInitialized()).isTrue();
        assertThat(first.commitCount()).isEqualTo(2);
        assertThat(first.history()).extracting(ProducerRecord::value).containsExactly("a", "b");
        assertThat(made).containsExactly(second);
    }

    @Test
    void aFailedBodyIsAbortedAndRethrownAndTheProducerGoesOn() throws Exception {
        assertThatThrownBy(() -> tx.run(p -> {
            p.send(new ProducerRecord<>("out", "lost", "lost"));
            throw new IllegalStateException("injected");
        })).hasMessage("injected");
        assertThat(first.transactionAborted()).isTrue();

        tx.run(sending("b"));
        assertThat(first.history()).extracting(ProducerRecord::value).containsExactly("b");
        assertThat(first.closed()).isFalse();
    }

    @Test
    void aProducerThatCannotAbortIsClosedAndTheNextTransactionStartsANewOne() throws Exception {
        first.commitTransactionException = new InvalidTxnStateException("injected: transaction already aborted");
        first.abortTransactionException = new KafkaException("injected: cannot execute transactional method in an error state");
        assertThatThrownBy(() -> tx.run(sending("a"))).isInstanceOf(InvalidTxnStateException.class);
        assertThat(first.closed()).isTrue();

        tx.run(sending("a"));
        assertThat(second.transactionInitialized()).isTrue();
        assertThat(second.history()).extracting(ProducerRecord::value).containsExactly("a");
    }

    @Test
    void aFencedProducerIsReplacedAndTheFenceRethrownForTheCallerToRetry() throws Exception {
        first.commitTransactionException = new ProducerFencedException("injected: epoch bumped by a timeout abort");
        assertThatThrownBy(() -> tx.run(sending("a")))
                .isInstanceOf(ProducerFencedException.class)
                .isNotInstanceOf(TransactionalProducer.TwinInstanceException.class);
        assertThat(first.closed()).isTrue();
        assertThat(first.history()).isEmpty();

        tx.run(sending("a"));
        assertThat(second.history()).extracting(ProducerRecord::value).containsExactly("a");
    }

    @Test
    void fencedOverAndOverWithinTheWindowMeansATwin() {
        for (int i = 0; i < TransactionalProducer.MAX_FENCES; i++) {
            made.add(mock());
        }
        made.forEach(p -> p.commitTransactionException = new ProducerFencedException("injected: a twin"));
        for (int i = 0; i < TransactionalProducer.MAX_FENCES; i++) {
            assertThatThrownBy(() -> tx.run(sending("a"))).isNotInstanceOf(TransactionalProducer.TwinInstanceException.class);
            now.addAndGet(Duration.ofSeconds(1).toNanos());
        }
        assertThatThrownBy(() -> tx.run(sending("a")))
                .isInstanceOf(TransactionalProducer.TwinInstanceException.class)
                .hasMessageContaining("same transactional id").hasMessageContaining("PIXELFLOW_INSTANCE_ID")
                .hasCauseInstanceOf(ProducerFencedException.class);
        // One producer per fence, each closed; the one left over was never needed.
        assertThat(made).hasSize(1);
    }

    @Test
    void fencesFartherApartThanTheWindowAreEachTolerated() {
        for (int i = 0; i < 2 * TransactionalProducer.MAX_FENCES; i++) {
            made.add(mock());
        }
        made.forEach(p -> p.commitTransactionException = new ProducerFencedException("injected: a timeout abort"));
        for (int i = 0; i < 2 * TransactionalProducer.MAX_FENCES; i++) {
            assertThatThrownBy(() -> tx.run(sending("a"))).isInstanceOf(ProducerFencedException.class);
            now.addAndGet(TransactionalProducer.FENCE_WINDOW.toNanos() / 2 + 1);
        }
    }
}
