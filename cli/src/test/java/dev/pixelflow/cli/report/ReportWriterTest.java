package dev.pixelflow.cli.report;

import dev.pixelflow.imaging.ImagePreprocessor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pixelflow.common.image.ImageShape;
import dev.pixelflow.common.image.PreprocessFingerprint;
import dev.pixelflow.common.message.ModelVersion;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:15:00Z");

    @TempDir
    Path out;

    @Test
    void writesTheWholeReportForTwentyRealPhotos() throws IOException {
        List<Path> photos = ReportFixtures.photos(10);
        List<Prediction> predictions = ReportFixtures.predictions(photos, 5);
        ModelVersion version = ReportFixtures.modelVersion(12);

        Path index = ReportWriter.write(version, predictions, out, ReportWriter.DEFAULT_GRID_SIZE, NOW);

        assertThat(index).isEqualTo(out.resolve("index.html")).isRegularFile();
        String html = Files.readString(index);
        // Title block and summary.
        assertThat(html).contains("<title>dogs-cats:3 · pixelflow report</title>", "<h1 id=\"model\">dogs-cats:3</h1>",
                "<b>input</b> 150x150x3", "<b>dataset snapshot</b> tensors 0:1333 1:1334 2:1333",
                "<b>trained</b> 2026-11-28 05:00 UTC", "generated 2026-11-29 10:15 UTC",
                "Accuracy <strong>80.0%</strong> on 20 evaluated images (16 correct, 4 wrong).");
        // Confusion matrix: 2 of 10 cats and 2 of 10 dogs were answered with the other class.
        String plain = withoutAttributes(html);
        assertThat(plain).contains("<tr><th>cat</th><td>8</td><td>2</td><td>10</td></tr>",
                "<tr><th>dog</th><td>2</td><td>8</td><td>10</td></tr>");
        assertThat(html).containsPattern("<td class=\"diag\" style=\"--share:0\\.800\">8</td>")
                .containsPattern("<td class=\"off\" style=\"--share:0\\.200\">2</td>");
        // Per-class table: precision, recall, F1, images, predicted.
        assertThat(plain).containsPattern("<tr><th>cat</th><td><span><span></span></span>80\\.0%</td><td><span><span></span></span>80\\.0%</td>"
                + "<td>80\\.0%</td><td>10</td><td>10</td></tr>");
        // The history chart exists, decodes, and the page points at it.
        Path chart = out.resolve("images/history.png");
        assertThat(chart).isRegularFile();
        BufferedImage png = ImageIO.read(chart.toFile());
        assertThat(png.getWidth()).isEqualTo(1280);
        assertThat(html).contains("<img id=\"history-chart\" class=\"chart\" src=\"images/history.png\"");
        // Every prediction has a tile whose picture is the photo exactly as sent; wrong ones first and marked.
        List<String> srcs = thumbnailSources(html);
        assertThat(srcs).hasSize(20).doesNotHaveDuplicates();
        for (String src : srcs) {
            assertThat(out.resolve(src)).isRegularFile();
        }
        assertThat(html.split("<figure class=\"tile wrong\"", -1)).hasSize(5);
        assertThat(html.split("<span class=\"mark\">✗</span>", -1)).hasSize(5);
        assertThat(html.indexOf("tile wrong")).isLessThan(html.indexOf("tile right"));
        assertThat(html.lastIndexOf("tile wrong")).isLessThan(html.indexOf("tile right"));
        Prediction firstShown = ReportWriter.gridOrder(predictions, 48).get(0);
        assertThat(Files.readAllBytes(out.resolve(srcs.get(0)))).isEqualTo(firstShown.imageBytes());
        assertThat(html).contains("<div class=\"name\">" + firstShown.name() + "</div>");
        assertThat(html).as("a static page: no script, no test hooks").doesNotContain("<script");
    }

    @Test
    void gridShowsMostConfidentMistakesFirstThenClassesInTurn() {
        byte[] img = {1};
        List<Prediction> predictions = List.of(
                new Prediction("c1", img, "cat", "cat", 0.9), new Prediction("c2", img, "cat", "cat", 0.8),
                new Prediction("c3", img, "cat", "cat", 0.7), new Prediction("w1", img, "cat", "dog", 0.6),
                new Prediction("d1", img, "dog", "dog", 0.9), new Prediction("w2", img, "dog", "cat", 0.95));
        assertThat(ReportWriter.gridOrder(predictions, 10)).extracting(Prediction::name)
                .containsExactly("w2", "w1", "c1", "d1", "c2", "c3");
        assertThat(ReportWriter.gridOrder(predictions, 3)).extracting(Prediction::name).containsExactly("w2", "w1", "c1");
        assertThat(ReportWriter.gridOrder(predictions, 0)).isEmpty();
    }

    @Test
    void escapesEveryTextFromModelsLabelsAndNames() throws IOException {
        ImageShape shape = new ImageShape(32, 32, 3);
        ModelVersion version = new ModelVersion(ModelVersion.SCHEMA_VERSION, "x<script>", 1, Instant.parse("2026-11-28T05:00:00Z"),
                "job\"1", "samediff", "{}", Map.of(), 1, List.of(), List.of("<b>a</b>", "b&c"), shape,
                ImagePreprocessor.fingerprint(shape), "b".repeat(64), 10, 1);
        byte[] photo = Files.readAllBytes(ReportFixtures.photos(1).get(0));
        List<Prediction> predictions = List.of(new Prediction("'quoted\" <img src=x onerror=alert(1)>", photo, "<b>a</b>", "b&c", 0.75));

        String html = Files.readString(ReportWriter.write(version, predictions, out, 48, NOW));

        assertThat(html).doesNotContain("<script>alert", "x<script>", "<b>a</b>", "b&c<", "<img src=x", "job\"1")
                .contains("x&lt;script&gt;:1", "&lt;b&gt;a&lt;/b&gt;", "b&amp;c", "&#39;quoted&quot; &lt;img src=x onerror=alert(1)&gt;");
        // No history: no chart file and a note instead of a broken picture.
        assertThat(out.resolve("images/history.png")).doesNotExist();
        assertThat(html).contains("no training history").doesNotContain("id=\"history-chart\"");
    }

    @Test
    void largePhotosBecomeSmallThumbnailsAndUnknownBytesAPlaceholder() throws IOException {
        // Noise does not compress, so a modest 800x600 PNG is already well over the copy-as-is limit.
        BufferedImage big = new BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB);
        big.setRGB(0, 0, 800, 600, new Random(7).ints(800 * 600).toArray(), 0, 800);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(big, "png", png);
        assertThat(png.size()).isGreaterThan(Thumbnails.COPY_AS_IS_BYTES);
        List<Prediction> predictions = List.of(new Prediction("big.png", png.toByteArray(), "cat", "cat", 0.9),
                new Prediction("garbage.bin", new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, "dog", "cat", 0.6));

        String html = Files.readString(ReportWriter.write(ReportFixtures.modelVersion(2), predictions, out, 48, NOW));

        List<String> srcs = thumbnailSources(html);
        assertThat(srcs).hasSize(1);
        assertThat(srcs.get(0)).endsWith(".jpg");
        BufferedImage thumb = ImageIO.read(out.resolve(srcs.get(0)).toFile());
        assertThat(thumb.getWidth()).isEqualTo(Thumbnails.MAX_SIDE);
        assertThat(thumb.getHeight()).isEqualTo(240);
        assertThat(html).contains("cannot display this format");
    }

    @Test
    void aRerunReplacesItsOwnImagesAndKeepsOtherFiles() throws IOException {
        List<Prediction> predictions = ReportFixtures.predictions(ReportFixtures.photos(3), 2);
        ReportWriter.write(ReportFixtures.modelVersion(3), predictions, out, 48, NOW);
        Files.writeString(out.resolve("images/notes.txt"), "mine");
        assertThat(Files.list(out.resolve("images")).count()).isEqualTo(8);

        ReportWriter.write(ReportFixtures.modelVersion(3), predictions.subList(0, 2), out, 48, NOW);

        assertThat(out.resolve("images/notes.txt")).hasContent("mine");
        assertThat(out.resolve("images/img-003.jpg")).doesNotExist();
        assertThat(out.resolve("images/img-002.jpg")).isRegularFile();
        assertThat(out.resolve("index.html.tmp")).doesNotExist();
    }

    @Test
    void refusesInvalidPredictions() {
        assertThatThrownBy(() -> new Prediction("a", new byte[] {1}, "cat", "dog", 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'").hasMessageContaining("1.5");
        assertThatThrownBy(() -> new Prediction("a", new byte[0], "cat", "dog", 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no image bytes");
        assertThatThrownBy(() -> new Prediction("a", new byte[] {1}, null, "dog", 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("true and a predicted label");
    }

    static List<String> thumbnailSources(String html) {
        Matcher m = Pattern.compile("<img src=\"(images/img-\\d{3}\\.\\w+)\"").matcher(html);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String withoutAttributes(String html) {
        return html.replaceAll("<(\\w+)(\\s[^>]*)?>", "<$1>");
    }
}
