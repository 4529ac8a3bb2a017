package dev.pixelflow.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.config.ConfigException;
import dev.pixelflow.common.config.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The budget setting, the selection's chunks and the budget split of a streamed dataset. */
class StreamingPartsTest {

    private static long budget(Map<String, String> env) {
        return TrainerSettings.from(ConfigSource.of(env)).memoryBudget();
    }

    @Test
    void theBudgetIsASize() {
        assertThat(budget(Map.of())).isEqualTo(4L << 30);
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "512k"))).isEqualTo(512L << 10);
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "64m"))).isEqualTo(64L << 20);
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "4G"))).isEqualTo(4L << 30);
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "96MiB"))).isEqualTo(96L << 20);
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "1048576"))).isEqualTo(1L << 20);
    }

    @Test
    void theRetiredMegabyteVariableIsNotRead() {
        assertThat(budget(Map.of("PIXELFLOW_MEMORY_BUDGET_MB", "512"))).isEqualTo(4L << 30);
    }

    @Test
    void aBadBudgetNamesTheVariable() {
        assertThatThrownBy(() -> budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "lots")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PIXELFLOW_MEMORY_BUDGET").hasMessageContaining("64m");
        assertThatThrownBy(() -> budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "1k")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'1k'");
        assertThatThrownBy(() -> budget(Map.of("PIXELFLOW_MEMORY_BUDGET", "99999999999999999999g")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void chunksCoverEverySelectedOffsetOnceInOffsetOrder() {
        Selection.Builder b = new Selection.Builder();
        List<Long> expected = new ArrayList<>();
        for (long o = 40; o >= 0; o -= 2) {
            b.add(0, o, o);
            expected.add(o);
        }
        for (long o = 0; o < 5; o++) {
            b.add(2, o * 3, 1);
        }
        Selection s = b.build();
        assertThat(s.size()).isEqualTo(26);
        List<Selection.Chunk> chunks = s.chunks(4);
        assertThat(chunks).allSatisfy(c -> assertThat(c.size()).isBetween(1, 4));
        List<Long> p0 = new ArrayList<>();
        List<Long> p2 = new ArrayList<>();
        for (Selection.Chunk c : chunks) {
            for (int i = c.from(); i < c.to(); i++) {
                (c.partition() == 0 ? p0 : p2).add(c.offsets()[i]);
            }
            assertThat(c.first()).isLessThanOrEqualTo(c.last());
        }
        assertThat(p0).containsExactlyElementsOf(expected.stream().sorted().toList());
        assertThat(p2).containsExactly(0L, 3L, 6L, 9L, 12L);
        assertThatThrownBy(() -> new Selection(Map.of(0, new long[] {1, 1}), 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }

    @Test
    void aStreamedDatasetSplitsTheBudgetAndStaysWithinIt() {
        int image = 150 * 150 * 3;
        StreamBudget b = StreamBudget.of(512L << 20, image, 1000);
        assertThat((long) b.shuffleImages() * image).isLessThanOrEqualTo((512L << 20) / 4);
        assertThat(b.sampleImages()).isEqualTo(994);
        assertThat((long) (b.shuffleImages() + b.sampleImages()) * image + b.validationBytes()).isLessThanOrEqualTo(512L << 20);
        assertThat(b.chunkLength()).isEqualTo(1988 / 8);
        StreamBudget tiny = StreamBudget.of(64 << 10, image, 1000);
        assertThat(tiny.shuffleImages()).isEqualTo(1);
        assertThat(tiny.sampleImages()).isZero();
        assertThat(tiny.chunkLength()).isEqualTo(StreamBudget.MIN_CHUNK);
    }

    @Test
    void theTrainingSampleKeepsOnlyItsRecordsOnce() {
        Selection.Builder b = new Selection.Builder();
        for (long o = 0; o < 100; o++) {
            b.add((int) (o % 3), o, o);
        }
        Selection s = b.build();
        TrainSample sample = TrainSample.choose(s, 10, 5);
        int offered = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (long o = 0; o < 100; o++) {
                sample.offer((int) (o % 3), o, new byte[] {(byte) o}, (int) o);
                offered++;
            }
        }
        Examples.InMemory kept = sample.kept();
        assertThat(offered).isEqualTo(200);
        assertThat(kept.size()).isEqualTo(10);
        assertThat(kept.labels()).doesNotHaveDuplicates();
        for (int i = 0; i < kept.size(); i++) {
            assertThat(kept.pixels()[i][0]).isEqualTo((byte) kept.labels()[i]);
        }
        assertThat(TrainSample.choose(s, 10, 5).kept().size()).isZero();
    }
}
