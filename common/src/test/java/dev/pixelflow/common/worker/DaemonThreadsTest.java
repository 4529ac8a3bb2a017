package dev.pixelflow.common.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DaemonThreadsTest {
    @Test
    void namedThreadsShareTheNameAndNumberedOnesCount() {
        DaemonThreads one = DaemonThreads.named("loader");
        assertThat(one.newThread(() -> { }).getName()).isEqualTo("loader");
        assertThat(one.newThread(() -> { }).getName()).isEqualTo("loader");

        DaemonThreads pool = DaemonThreads.numbered("decode");
        assertThat(pool.newThread(() -> { }).getName()).isEqualTo("decode-1");
        assertThat(pool.newThread(() -> { }).getName()).isEqualTo("decode-2");
    }

    @Test
    void threadsAreDaemonsUnstartedAndLogWhatKillsThem() {
        Thread t = DaemonThreads.named("x").newThread(() -> { });
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getState()).isEqualTo(Thread.State.NEW);
        assertThat(t.getUncaughtExceptionHandler()).as("not the thread group's default").isNotSameAs(t.getThreadGroup());
    }

    @Test
    void aBlankNameIsRefused() {
        assertThatThrownBy(() -> DaemonThreads.numbered(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
