package dev.pixelflow.imaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {
    /** Field 19 of /proc/thread-self/stat, counted after the ")" that ends the thread's name. */
    private static int ownNice() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Integer.parseInt(f[19 - 3]);
    }

    @Test
    void threadsOfTheFactoryRunAtTheirNiceValueAndOthersDoNot() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux only");
        int before = ownNice();
        assumeTrue(before < 7, "the build itself runs at nice " + before);
        ExecutorService pool = Executors.newFixedThreadPool(2, ThreadNice.daemons("nice-test", 7));
        try {
            CompletableFuture<Integer> inPool = CompletableFuture.supplyAsync(() -> {
                try {
                    return ownNice();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            CompletableFuture<String> name = CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), pool);
            assertThat(inPool.get(30, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(name.get(30, TimeUnit.SECONDS)).startsWith("nice-test-");
        } finally {
            pool.shutdownNow();
        }
        assertThat(ownNice()).as("the calling thread is untouched").isEqualTo(before);
    }

    @Test
    void zeroLeavesTheThreadAloneAndOutOfRangeIsRefused() {
        assertThat(ThreadNice.apply(0)).isTrue();
        assertThatThrownBy(() -> ThreadNice.apply(20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadNice.daemons("x", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
