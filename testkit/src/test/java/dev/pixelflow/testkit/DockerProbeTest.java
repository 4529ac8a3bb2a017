package dev.pixelflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class DockerProbeTest {

    @Test
    void aCheckThatHangsCountsAsNoDockerWithinTheBound() {
        CountDownLatch never = new CountDownLatch(1);
        long started = System.nanoTime();

        boolean answer = DockerProbe.answers(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }, Duration.ofMillis(300));

        assertThat(answer).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aFailingCheckCountsAsNoDocker() {
        assertThat(DockerProbe.answers(() -> {
            throw new IllegalStateException("no docker socket");
        }, Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void aYesIsPassedThrough() {
        assertThat(DockerProbe.answers(() -> true, Duration.ofSeconds(1))).isTrue();
        assertThat(DockerProbe.answers(() -> false, Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void theDefaultBoundIsFiveSeconds() {
        assertThat(DockerProbe.TIMEOUT).isEqualTo(Duration.ofSeconds(5));
    }
}
