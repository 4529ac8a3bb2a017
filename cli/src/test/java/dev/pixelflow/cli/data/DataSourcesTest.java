package dev.pixelflow.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.ImageFormat;
import dev.pixelflow.common.image.ImageProbe;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {

    @Test
    void labelRulesFollowKaggleAndImageFolderConventions() {
        assertThat(LabelRule.FILENAME.labelOf(Path.of("train/dog.123.jpg"))).isEqualTo("dog");
        assertThat(LabelRule.FOLDER.labelOf(Path.of("train/cats/x.jpg"))).isEqualTo("cats");
        assertThat(LabelRule.NONE.labelOf(Path.of("train/cats/x.jpg"))).isNull();
        assertThat(LabelRule.FILENAME.labelOf(Path.of(".hidden"))).isNull();
        assertThat(LabelRule.parse("Folder")).isEqualTo(LabelRule.FOLDER);
        assertThatThrownBy(() -> LabelRule.parse("dirname")).hasMessageContaining("filename, folder or none");
    }

    @Test
    void readsGzippedIdxPairsWithClassNames(@TempDir Path dir) throws Exception {
        Path images = dir.resolve("fashion-t10k-images-idx3-ubyte.gz");
        Path labels = dir.resolve("fashion-t10k-labels-idx1-ubyte.gz");
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)))) {
            out.writeInt(0x803);
            out.writeInt(3);
            out.writeInt(28);
            out.writeInt(28);
            for (int i = 0; i < 3 * 28 * 28; i++) {
                out.writeByte(i % 256);
            }
        }
        try (OutputStream raw = Files.newOutputStream(labels); DataOutputStream out = new DataOutputStream(raw)) {
            out.writeInt(0x801);
            out.writeInt(3);
            out.write(new byte[] {0, 9, 4});
        }
        ImageSet set = ImageSet.scan(List.of(images), LabelRule.FILENAME, null, null);
        assertThat(set.size()).isEqualTo(3);
        LabeledImage second = set.get(1);
        assertThat(second.label()).isEqualTo("Ankle boot");
        assertThat(second.labelIndex()).isEqualTo(9);
        assertThat(second.contentType()).isEqualTo("image/png");
        assertThat(ImageProbe.format(second.bytes())).contains(ImageFormat.PNG);
        assertThat(set.skipped()).isEmpty();
    }

    @Test
    void walkingAFolderSkipsNonImagesAndLoopsWithReasons(@TempDir Path dir) throws Exception {
        Path cats = Files.createDirectories(dir.resolve("cats"));
        Files.write(cats.resolve("a.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2});
        Files.writeString(cats.resolve("readme.txt"), "text");
        Files.createSymbolicLink(cats.resolve("loop"), dir);
        ImageSet set = ImageSet.scan(List.of(dir), LabelRule.FOLDER, null, null);
        int usable = 0;
        for (int i = 0; i < set.size(); i++) {
            LabeledImage img = set.get(i);
            if (img != null) {
                usable++;
                assertThat(img.label()).isEqualTo("cats");
            }
        }
        assertThat(usable).isEqualTo(1);
        assertThat(set.skipped()).extracting(ImageSet.Skipped::reason)
                .anyMatch(r -> r.startsWith("not an image")).anyMatch(r -> r.equals("symlink loop"));
    }
}
