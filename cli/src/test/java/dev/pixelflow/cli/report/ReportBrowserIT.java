package dev.pixelflow.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the report in a real browser (headless Chromium, Debian package {@code chromium}), from disk with no network,
 * and checks what a person would see: every picture decoded, the chart and the image grid actually painted.
 * What the browser decoded and laid out is read from a copy of the page with this test's probe script added
 * ({@code report-probe.js}); the screenshot is of the report itself. Both stay in {@code target/report-browser-it/}
 * to be looked at.
 */
class ReportBrowserIT {
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 2000;
    private static final Path OUT = Path.of("target/report-browser-it").toAbsolutePath();
    private static Path index;
    private static Path probed;
    private static int imageCount;

    @TempDir
    Path profile;

    @BeforeAll
    static void writeReport() throws IOException {
        // 60 real photos, every fourth answered wrong: the grid shows 48 of them, the 15 wrong ones first.
        List<Prediction> predictions = ReportFixtures.predictions(ReportFixtures.photos(30), 4);
        index = ReportWriter.write(ReportFixtures.modelVersion(15), predictions, OUT.resolve("report"), 48,
                Instant.parse("2026-11-29T10:15:00Z"));
        imageCount = 48 + 1; // thumbnails and the history chart
        probed = withProbe(index);
    }

    /** A copy of the page beside it (so its relative image paths hold) with the probe script before {@code </body>}. */
    private static Path withProbe(Path page) throws IOException {
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertThat(html).as("the report itself runs no script").doesNotContain("<script");
        String probe;
        try (InputStream in = ReportBrowserIT.class.getResourceAsStream("report-probe.js")) {
            probe = new String(Objects.requireNonNull(in, "report-probe.js").readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(html).contains("</body>");
        Path copy = page.resolveSibling("index-probed.html");
        Files.writeString(copy, html.replace("</body>", "<script>\n" + probe + "</script>\n</body>"), StandardCharsets.UTF_8);
        return copy;
    }

    @Test
    void everyImageLoadsInTheBrowser() throws Exception {
        Path chromium = chromium();
        String dom = run(chromium, probed, List.of("--dump-dom"), "dom");

        assertThat(attribute(dom, "data-images-loaded")).as("images decoded by the browser, of all <img> on the page")
                .isEqualTo(imageCount + "/" + imageCount);
        assertThat(dom).contains("dogs-cats:3", "figure class=\"tile wrong\"");
    }

    @Test
    void theScreenshotShowsTheChartAndThePhotos() throws Exception {
        Path chromium = chromium();
        // Where the chart and the grid are, as the page itself measured them at this window size.
        String dom = run(chromium, probed, List.of("--dump-dom"), "dom");
        int[] chart = rect(attribute(dom, "data-chart-rect"));
        int[] grid = rect(attribute(dom, "data-grid-rect"));
        Path png = OUT.resolve("screenshot.png");
        Files.deleteIfExists(png);

        run(chromium, index, List.of("--screenshot=" + png), "screenshot");

        assertThat(png).as("screenshot written by chromium").isRegularFile();
        BufferedImage shot = ImageIO.read(png.toFile());
        assertThat(shot).as("screenshot decodes as an image").isNotNull();
        assertThat(shot.getWidth()).isEqualTo(WIDTH);
        assertThat(shot.getHeight()).isEqualTo(HEIGHT);
        assertThat(distinctColours(shot, 0, 0, WIDTH, HEIGHT)).as("colours in the whole page").isGreaterThan(200);

        assertThat(chart[1] + chart[3]).as("chart bottom within the screenshot").isLessThanOrEqualTo(HEIGHT);
        assertThat(chart[2]).as("chart width on the page").isGreaterThan(800);
        Region c = region(shot, chart);
        assertThat(c.distinct).as("colours in the chart region").isGreaterThan(8);
        assertThat(c.nonWhiteShare).as("share of drawn pixels in the chart region").isGreaterThan(0.02);

        assertThat(grid[1]).as("grid top within the screenshot").isLessThan(HEIGHT - 300);
        Region g = region(shot, grid);
        assertThat(g.distinct).as("colours in the visible part of the image grid (real photos)").isGreaterThan(2000);
        assertThat(g.lumaStdDev).as("contrast in the image grid").isGreaterThan(25);
        assertThat(redPixels(shot, grid)).as("red borders of wrong predictions painted").isGreaterThan(500);
    }

    private static Path chromium() {
        Optional<Path> found = findChromium();
        assumeTrue(found.isPresent(), "skipping the browser check of the HTML report: no chromium on PATH "
                + "(install the Debian package 'chromium', or set CHROME_BIN)");
        return found.get();
    }

    static Optional<Path> findChromium() {
        String env = System.getenv("CHROME_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Runs headless chromium on {@code page}, returns its stdout; a hang or a non-zero exit fails with chromium's stderr. */
    private String run(Path chromium, Path page, List<String> action, String tag) throws IOException, InterruptedException {
        Path userData = Files.createTempDirectory(profile, "profile-");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--user-data-dir=" + userData, "--window-size=" + WIDTH + "," + HEIGHT,
                // Lets the probe script run to the end (all load events) before the DOM is dumped or the shot taken.
                "--virtual-time-budget=10000"));
        cmd.addAll(action);
        cmd.add(page.toUri().toString());
        Path stdout = OUT.resolve(tag + ".out");
        Path stderr = OUT.resolve(tag + ".err");
        Process process = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s: " + String.join(" ", cmd) + "\n" + tail(stderr));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("chromium exited with " + process.exitValue() + ": " + String.join(" ", cmd) + "\n" + tail(stderr));
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static String attribute(String dom, String name) {
        Matcher m = Pattern.compile("<body[^>]*\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(dom);
        assertThat(m.find()).as("<body> has %s in the dumped DOM (the page's script ran)", name).isTrue();
        return m.group(1);
    }

    private static int[] rect(String text) {
        int[] r = Stream.of(text.split(",")).mapToInt(Integer::parseInt).toArray();
        assertThat(r).as("rectangle x,y,w,h").hasSize(4);
        return r;
    }

    private record Region(int distinct, double nonWhiteShare, double lumaStdDev) {
    }

    /** The part of {@code rect} inside the screenshot, shrunk by a few pixels so borders and margins do not count. */
    private static Region region(BufferedImage shot, int[] rect) {
        int x0 = Math.max(0, rect[0] + 4);
        int y0 = Math.max(0, rect[1] + 4);
        int x1 = Math.min(shot.getWidth(), rect[0] + rect[2] - 4);
        int y1 = Math.min(shot.getHeight(), rect[1] + rect[3] - 4);
        assertThat(x1 - x0).as("visible region width").isGreaterThan(100);
        assertThat(y1 - y0).as("visible region height").isGreaterThan(100);
        long n = 0;
        long nonWhite = 0;
        double sum = 0;
        double sumSq = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = shot.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                double luma = 0.299 * r + 0.587 * g + 0.114 * b;
                sum += luma;
                sumSq += luma * luma;
                if (r < 235 || g < 235 || b < 235) {
                    nonWhite++;
                }
                n++;
            }
        }
        double mean = sum / n;
        return new Region(distinctColours(shot, x0, y0, x1, y1), (double) nonWhite / n, Math.sqrt(Math.max(0, sumSq / n - mean * mean)));
    }

    private static int distinctColours(BufferedImage shot, int x0, int y0, int x1, int y1) {
        Set<Integer> colours = new HashSet<>();
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                colours.add(shot.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }

    /** Pixels of the report's red (#dc2626, give or take antialiasing) in the visible part of the grid. */
    private static int redPixels(BufferedImage shot, int[] rect) {
        int count = 0;
        for (int y = Math.max(0, rect[1]); y < Math.min(shot.getHeight(), rect[1] + rect[3]); y++) {
            for (int x = Math.max(0, rect[0]); x < Math.min(shot.getWidth(), rect[0] + rect[2]); x++) {
                int rgb = shot.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (Math.abs(r - 0xdc) < 12 && Math.abs(g - 0x26) < 12 && Math.abs(b - 0x26) < 12) {
                    count++;
                }
            }
        }
        return count;
    }
}
