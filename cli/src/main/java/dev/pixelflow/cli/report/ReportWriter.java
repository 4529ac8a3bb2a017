package dev.pixelflow.cli.report;

import dev.pixelflow.common.message.EpochMetrics;
import dev.pixelflow.common.message.ModelVersion;
import dev.pixelflow.imaging.HistoryPlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation report of one model version: a static page ({@code index.html}) with its pictures in
 * {@code images/} beside it, so it opens from disk, offline, and can be zipped or served as it is.
 * It shows who the model is, how training went (the history chart), how it did on the evaluated images
 * (accuracy, confusion matrix, per-class precision and recall) and the images themselves, wrong ones first.
 */
public final class ReportWriter {
    public static final int DEFAULT_GRID_SIZE = 48;
    public static final String IMAGES_DIR = "images";
    public static final String HISTORY_PNG = "history.png";
    private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** Files this writer owns in images/; a rerun deletes only these, never anything else a user put there. */
    private static final Pattern OWN_IMAGE = Pattern.compile("(img-\\d{3,}\\.(jpg|png|gif|bmp|webp)|" + HISTORY_PNG + ")");

    private ReportWriter() {
    }

    /** Writes the report with up to {@value #DEFAULT_GRID_SIZE} thumbnails; returns the index.html. */
    public static Path write(ModelVersion version, List<Prediction> predictions, Path outDir) throws IOException {
        return write(version, predictions, outDir, DEFAULT_GRID_SIZE, Instant.now());
    }

    /**
     * @param gridSize how many images the grid shows at most (wrong ones first)
     * @param now      the report's date, shown in the header
     */
    public static Path write(ModelVersion version, List<Prediction> predictions, Path outDir, int gridSize, Instant now)
            throws IOException {
        if (gridSize < 0) {
            throw new IllegalArgumentException("grid size must be >= 0, got " + gridSize);
        }
        Path images = outDir.resolve(IMAGES_DIR);
        Files.createDirectories(images);
        removeOwnImages(images);

        boolean hasChart = !version.history().isEmpty();
        if (hasChart) {
            HistoryPlot.write(version.history(), version.ref(), images.resolve(HISTORY_PNG));
        }
        ConfusionMatrix matrix = ConfusionMatrix.of(version.classNames(), predictions);
        List<Prediction> shown = gridOrder(predictions, gridSize);
        List<Tile> tiles = new ArrayList<>(shown.size());
        for (int i = 0; i < shown.size(); i++) {
            Optional<String> file = Thumbnails.write(shown.get(i).imageBytes(), images, String.format(Locale.ROOT, "img-%03d", i + 1));
            tiles.add(new Tile(shown.get(i), file.map(f -> IMAGES_DIR + "/" + f).orElse(null)));
        }

        String html = new Page(version, predictions, matrix, tiles, hasChart, now).render();
        Path index = outDir.resolve("index.html");
        Path tmp = outDir.resolve("index.html.tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("report for {} written to {} ({} predictions, {} thumbnails)", version.ref(), index, predictions.size(), tiles.size());
        return index;
    }

    /**
     * Wrong predictions first, the most confident mistakes leading (they are the interesting ones); then correct
     * ones taken a class at a time in turn, so a test set sorted by label still shows every class.
     */
    static List<Prediction> gridOrder(List<Prediction> predictions, int limit) {
        List<Prediction> wrong = predictions.stream().filter(p -> !p.correct())
                .sorted(Comparator.comparingDouble(Prediction::confidence).reversed()).toList();
        Map<String, List<Prediction>> rightByClass = new LinkedHashMap<>();
        predictions.stream().filter(Prediction::correct)
                .forEach(p -> rightByClass.computeIfAbsent(p.trueLabel(), k -> new ArrayList<>()).add(p));
        List<Prediction> out = new ArrayList<>(Math.min(limit, predictions.size()));
        for (Prediction p : wrong) {
            if (out.size() == limit) {
                return out;
            }
            out.add(p);
        }
        for (int round = 0; out.size() < limit; round++) {
            boolean any = false;
            for (List<Prediction> ofClass : rightByClass.values()) {
                if (round < ofClass.size() && out.size() < limit) {
                    out.add(ofClass.get(round));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return out;
    }

    private static void removeOwnImages(Path images) throws IOException {
        try (Stream<Path> files = Files.list(images)) {
            for (Path f : files.filter(f -> OWN_IMAGE.matcher(f.getFileName().toString()).matches()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private record Tile(Prediction prediction, String src) {
    }

    /** The page, filled into report.html from the parts in report-parts.html; the CSS comes from report.css. */
    private static final class Page {
        private static final Template PAGE = Template.load("report.html");
        private static final Map<String, Template> PARTS = Template.parts("report-parts.html");
        private static final String STYLE = Template.load("report.css").render(Map.of());

        private final ModelVersion version;
        private final List<Prediction> predictions;
        private final ConfusionMatrix matrix;
        private final List<Tile> tiles;
        private final boolean hasChart;
        private final Instant now;

        Page(ModelVersion version, List<Prediction> predictions, ConfusionMatrix matrix, List<Tile> tiles,
             boolean hasChart, Instant now) {
            this.version = version;
            this.predictions = predictions;
            this.matrix = matrix;
            this.tiles = tiles;
            this.hasChart = hasChart;
            this.now = now;
        }

        String render() {
            Map<String, String> values = new HashMap<>();
            values.put("style", STYLE);
            values.put("ref", version.ref());
            values.put("generated", WHEN.format(now));
            values.put("chips", chips());
            values.put("summary", summary());
            values.put("cards", cards());
            values.put("history", hasChart
                    ? part("history-chart", Map.of("src", IMAGES_DIR + "/" + HISTORY_PNG))
                    : part("history-none", Map.of()));
            values.put("matrix-head", matrix.classes().stream().map(c -> part("column", Map.of("name", c)))
                    .collect(Collectors.joining()));
            values.put("matrix-rows", matrixRows());
            values.put("metrics-rows", metricsRows());
            values.put("grid-hint", gridHint());
            values.put("tiles", tiles.stream().map(Page::tile).collect(Collectors.joining("\n")));
            values.put("provenance", provenance());
            return PAGE.render(values);
        }

        private static String part(String name, Map<String, String> values) {
            return PARTS.get(name).render(values);
        }

        private String chips() {
            Map<String, String> chips = new LinkedHashMap<>();
            chips.put("input", version.inputShape().toString());
            chips.put("classes", String.join(", ", version.classNames()));
            chips.put("engine", version.engine());
            chips.put("epochs", Integer.toString(version.history().isEmpty() ? version.epochs() : version.history().size()));
            chips.put("dataset snapshot", snapshot());
            chips.put("trained", version.createdAt() == null ? "unknown" : WHEN.format(version.createdAt()));
            return chips.entrySet().stream().filter(e -> e.getValue() != null && !e.getValue().isBlank())
                    .map(e -> part("chip", Map.of("key", e.getKey(), "value", e.getValue())))
                    .collect(Collectors.joining("\n"));
        }

        /** End offsets of {@code tensors} per partition: enough to say exactly which data the model saw. */
        private String snapshot() {
            if (version.datasetSnapshot().isEmpty()) {
                return "none recorded";
            }
            StringBuilder s = new StringBuilder("tensors");
            new TreeMap<>(version.datasetSnapshot()).forEach((partition, end) ->
                    s.append(' ').append(partition).append(':').append(end));
            return s.toString();
        }

        private String summary() {
            long total = matrix.total();
            long correct = matrix.correct();
            if (total == 0) {
                return part("summary-none", Map.of());
            }
            return part("summary", Map.of("accuracy", percent(matrix.accuracy()), "total", Long.toString(total),
                    "images", total == 1 ? "image" : "images", "correct", Long.toString(correct),
                    "wrong", Long.toString(total - correct)));
        }

        private String cards() {
            long total = matrix.total();
            long correct = matrix.correct();
            List<String> cards = new ArrayList<>();
            cards.add(card("accuracy", total == 0 ? "—" : percent(matrix.accuracy()), correct + " of " + total + " correct", "good"));
            cards.add(card("images evaluated", Long.toString(total),
                    predictions.stream().map(Prediction::trueLabel).distinct().count() + " true classes", ""));
            cards.add(card("wrong", Long.toString(total - correct),
                    total == 0 ? "" : percent((double) (total - correct) / total) + " of all", total - correct > 0 ? "bad" : ""));
            EpochMetrics last = version.last();
            if (last != null) {
                cards.add(card("validation accuracy", percent(last.valAccuracy()), "during training, epoch " + last.epoch(), ""));
            }
            double meanConfidence = predictions.stream().mapToDouble(Prediction::confidence).average().orElse(Double.NaN);
            cards.add(card("mean confidence", percent(meanConfidence), "of the predicted label", ""));
            return String.join("\n", cards);
        }

        private static String card(String label, String value, String note, String kind) {
            return part("card", Map.of("label", label, "value", value, "note", note, "kind", kind));
        }

        private String matrixRows() {
            List<String> classes = matrix.classes();
            List<String> rows = new ArrayList<>();
            for (int t = 0; t < classes.size(); t++) {
                long support = matrix.support(t);
                StringBuilder cells = new StringBuilder();
                for (int p = 0; p < classes.size(); p++) {
                    long n = matrix.count(t, p);
                    // Shaded by share of the row so a glance finds the classes the model confuses.
                    double share = support == 0 ? 0 : (double) n / support;
                    cells.append(part("matrix-cell", Map.of("kind", t == p ? "diag" : n > 0 ? "off" : "zero",
                            "share", String.format(Locale.ROOT, "%.3f", share), "count", Long.toString(n))));
                }
                rows.add(part("matrix-row", Map.of("label", classes.get(t), "cells", cells.toString(),
                        "support", Long.toString(support))));
            }
            return String.join("\n", rows);
        }

        private String metricsRows() {
            List<String> classes = matrix.classes();
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < classes.size(); i++) {
                rows.add(part("metrics-row", Map.of("label", classes.get(i), "precision", meter(matrix.precision(i)),
                        "recall", meter(matrix.recall(i)), "f1", percent(matrix.f1(i)),
                        "support", Long.toString(matrix.support(i)), "predicted", Long.toString(matrix.predicted(i)))));
            }
            return String.join("\n", rows);
        }

        private static String meter(double value) {
            return part("meter", Map.of("width", Double.isNaN(value) ? "0" : String.format(Locale.ROOT, "%.1f", value * 100),
                    "value", percent(value)));
        }

        private String gridHint() {
            if (tiles.isEmpty()) {
                return part("grid-none", Map.of());
            }
            long wrong = tiles.stream().filter(t -> !t.prediction().correct()).count();
            return part("grid-some", Map.of("shown", Integer.toString(tiles.size()),
                    "total", Integer.toString(predictions.size()),
                    "order", wrong > 0 ? ", the " + wrong + " wrong one" + (wrong == 1 ? "" : "s") + " first (most confident first)."
                            : "; all of them are correct."));
        }

        private static String tile(Tile tile) {
            Prediction p = tile.prediction();
            boolean ok = p.correct();
            String picture = tile.src() == null ? part("tile-no-picture", Map.of())
                    : part("tile-picture", Map.of("src", tile.src(), "name", p.name()));
            return part("tile", Map.of("kind", ok ? "right" : "wrong", "name", p.name(), "picture", picture,
                    "mark", ok ? "✓" : "✗", "true", p.trueLabel(), "predicted", p.predictedLabel(),
                    "confidence", percent(p.confidence()), "width", String.format(Locale.ROOT, "%.1f", p.confidence() * 100)));
        }

        private String provenance() {
            StringBuilder s = new StringBuilder();
            if (version.jobId() != null) {
                s.append(part("footer-job", Map.of("job", version.jobId())));
            }
            if (version.fingerprint() != null) {
                s.append(part("footer-preprocessing", Map.of("fingerprint", version.fingerprint().id())));
            }
            if (version.artifactSha256() != null) {
                s.append(part("footer-artifact", Map.of("sha256", version.artifactSha256().substring(0, 12))));
            }
            return s.toString();
        }

        private static String percent(double v) {
            return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f%%", v * 100);
        }
    }
}
