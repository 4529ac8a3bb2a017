package dev.pixelflow.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.common.message.MessageHeaders;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ClassifyRequestTest {
    private static final String RESULTS = "classify.results";

    static ConsumerRecord<String, byte[]> record(String key, byte[] value, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.add(headers[i], MessageHeaders.utf8(headers[i + 1]));
        }
        return new ConsumerRecord<>("classify.requests", 2, 17, 1_000L, TimestampType.CREATE_TIME, -1, -1, key, value, h,
                Optional.empty());
    }

    @Test
    void defaultsCorrelationToTheKeyAndReplyToTheResultsTopic() {
        ClassifyRequest r = ClassifyRequest.from(record("req-1", new byte[] {1}), RESULTS);
        assertThat(r.requestId()).isEqualTo("req-1");
        assertThat(r.correlationId()).isEqualTo("req-1");
        assertThat(r.replyTo()).isEqualTo(RESULTS);
        assertThat(r.deadline()).isNull();
        assertThat(r.model()).isNull();
        assertThat(r.problem()).isNull();
        assertThat(r.timestamp()).isEqualTo(1_000L);
    }

    @Test
    void readsEveryHeader() {
        ClassifyRequest r = ClassifyRequest.from(record("req-2", new byte[] {1}, MessageHeaders.CORRELATION_ID, "c-9",
                MessageHeaders.REPLY_TO, "my.replies", MessageHeaders.DEADLINE, "5000", MessageHeaders.MODEL, "cats:3"), RESULTS);
        assertThat(r.correlationId()).isEqualTo("c-9");
        assertThat(r.replyTo()).isEqualTo("my.replies");
        assertThat(r.deadline()).isEqualTo(5000L);
        assertThat(r.model()).isEqualTo(new ModelRef("cats", 3));
        assertThat(r.problem()).isNull();
    }

    @Test
    void aMissingKeyBecomesPartitionAndOffsetAndANullValueAnEmptyImage() {
        ClassifyRequest r = ClassifyRequest.from(record(null, null), RESULTS);
        assertThat(r.requestId()).isEqualTo("2-17");
        assertThat(r.correlationId()).isEqualTo("2-17");
        assertThat(r.image()).isEmpty();
    }

    @Test
    void unreadableHeadersBecomeProblemsNotExceptions() {
        assertThat(ClassifyRequest.from(record("a", new byte[0], MessageHeaders.DEADLINE, "soon"), RESULTS).problem().code())
                .isEqualTo(ErrorCodes.BAD_REQUEST);
        assertThat(ClassifyRequest.from(record("a", new byte[0], MessageHeaders.MODEL, "m:x"), RESULTS).problem().code())
                .isEqualTo(ErrorCodes.BAD_REQUEST);
        ClassifyRequest badTopic = ClassifyRequest.from(record("a", new byte[0], MessageHeaders.REPLY_TO, "no/such topic"), RESULTS);
        assertThat(badTopic.problem().code()).isEqualTo(ErrorCodes.BAD_REPLY_TO);
        assertThat(badTopic.replyTo()).isEqualTo(RESULTS);
    }

    @Test
    void expiresOnlyAfterItsDeadline() {
        ClassifyRequest r = ClassifyRequest.from(record("a", new byte[0], MessageHeaders.DEADLINE, "5000"), RESULTS);
        assertThat(r.expiredAt(4999)).isFalse();
        assertThat(r.expiredAt(5000)).isFalse();
        assertThat(r.expiredAt(5001)).isTrue();
        assertThat(ClassifyRequest.from(record("b", new byte[0]), RESULTS).expiredAt(Long.MAX_VALUE)).isFalse();
    }

    @Test
    void latencyCountsFromTheRecordTimestampAndIsNeverNegative() {
        ClassifyRequest r = ClassifyRequest.from(record("a", new byte[0]), RESULTS);
        assertThat(r.latencyAt(1_250)).isEqualTo(250);
        assertThat(r.latencyAt(900)).isZero();
    }
}
