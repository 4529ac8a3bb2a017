package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class ErrorKindTest {
    @Test
    void sortsErrorsLikeKafkasExamples() {
        assertThat(ErrorKind.of(new ProducerFencedException("x"))).isEqualTo(ErrorKind.FATAL);
        assertThat(ErrorKind.of(new AuthenticationException("x"))).isEqualTo(ErrorKind.FATAL);
        assertThat(ErrorKind.of(new OutOfMemoryError())).isEqualTo(ErrorKind.FATAL);
        assertThat(ErrorKind.of(new SerializationException("x"))).isEqualTo(ErrorKind.BAD_RECORD);
        assertThat(ErrorKind.of(new TimeoutException("x"))).isEqualTo(ErrorKind.RETRY);
        assertThat(ErrorKind.of(new NotLeaderOrFollowerException("x"))).isEqualTo(ErrorKind.RETRY);
        assertThat(ErrorKind.of(new KafkaException("wrapped", new ProducerFencedException("x")))).isEqualTo(ErrorKind.FATAL);
        assertThat(ErrorKind.of(new IllegalStateException("bug"))).isEqualTo(ErrorKind.RETRY);
    }
}
