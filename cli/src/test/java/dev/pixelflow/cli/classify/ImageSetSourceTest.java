package dev.pixelflow.cli.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pixelflow.cli.data.ImageSet;
import dev.pixelflow.cli.data.LabelRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSetSourceTest {
    private static final byte[] JPEG_START = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0};

    private static ImageSet folder(Path dir, int cats, int dogs) throws Exception {
        for (int i = 0; i < cats; i++) {
            Files.write(dir.resolve("cat." + i + ".jpg"), JPEG_START);
        }
        for (int i = 0; i < dogs; i++) {
            Files.write(dir.resolve("dog." + i + ".jpg"), JPEG_START);
        }
        Files.writeString(dir.resolve("readme.txt"), "not an image");
        return ImageSet.scan(List.of(dir), LabelRule.FILENAME, null, null);
    }

    @Test
    void givesEveryImageWithItsLabelAndSaysWhyOthersAreSkipped(@TempDir Path dir) throws Exception {
        ImageSetSource source = ImageSetSource.all(folder(dir, 2, 2));
        assertThat(source.size()).isEqualTo(5);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            ClassifyClient.Item item = source.item(i);
            seen.add(item.image() == null ? "skipped:" + item.skipped() : source.label(i));
        }
        assertThat(seen).containsExactly("cat", "cat", "dog", "dog", "skipped:not an image (JPEG, PNG, BMP or GIF)");
    }

    @Test
    void aLimitDrawsTheSameMixedSampleForTheSameSeed(@TempDir Path dir) throws Exception {
        ImageSet set = folder(dir, 50, 50);
        List<String> first = labels(ImageSetSource.sample(set, 20, 42));
        assertThat(first).hasSize(20).contains("cat", "dog");
        assertThat(labels(ImageSetSource.sample(set, 20, 42))).isEqualTo(first);
        assertThat(ImageSetSource.sample(set, 1000, 42).size()).isEqualTo(101);
    }

    private static List<String> labels(ImageSetSource source) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            ClassifyClient.Item item = source.item(i);
            out.add(item.image() == null ? item.skipped() : item.name() + "=" + source.label(i));
        }
        return out.stream().map(s -> s.contains("=") ? s.substring(s.indexOf('=') + 1) : s).toList();
    }
}
