package dev.pixelflow.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSetLimitTest {
    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0};

    @Test
    void limitPerClassTakesTheFirstFilesOfEachClassInNumericOrder(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 12; i++) {
            Files.write(dir.resolve("cat." + i + ".jpg"), JPEG);
            Files.write(dir.resolve("dog." + i + ".jpg"), JPEG);
        }

        ImageSet set = ImageSet.scan(List.of(dir), LabelRule.FILENAME, null, null, 3);

        assertThat(names(set)).containsExactly("cat.0.jpg", "cat.1.jpg", "cat.2.jpg", "dog.0.jpg", "dog.1.jpg", "dog.2.jpg");
        // Lexicographic order would have taken cat.0, cat.1, cat.10: the tutorial's subset is 0..N-1.
        assertThat(names(ImageSet.scan(List.of(dir), LabelRule.FILENAME, null, null, 11)))
                .contains("cat.10.jpg").doesNotContain("cat.11.jpg");
        assertThat(ImageSet.scan(List.of(dir), LabelRule.FILENAME, null, null, 0).size()).isEqualTo(24);
        assertThatThrownBy(() -> ImageSet.scan(List.of(dir), LabelRule.FILENAME, null, null, -1))
                .hasMessageContaining("--limit-per-class");
    }

    @Test
    void naturalOrderComparesDigitRunsAsNumbers() {
        List<String> names = new ArrayList<>(List.of("cat.10.jpg", "cat.2.jpg", "cat.1999.jpg", "cat.0.jpg", "cat.02.jpg",
                "b", "a10b", "a9b"));
        names.sort(NaturalOrder.INSTANCE);
        assertThat(names).containsExactly("a9b", "a10b", "b", "cat.0.jpg", "cat.02.jpg", "cat.2.jpg", "cat.10.jpg",
                "cat.1999.jpg");
        assertThat(IntStream.range(0, 100).mapToObj(i -> "x" + i).sorted(NaturalOrder.INSTANCE).toList())
                .isEqualTo(IntStream.range(0, 100).mapToObj(i -> "x" + i).toList());
    }

    private static List<String> names(ImageSet set) {
        return IntStream.range(0, set.size()).mapToObj(i -> Path.of(set.get(i).id()).getFileName().toString()).toList();
    }
}
