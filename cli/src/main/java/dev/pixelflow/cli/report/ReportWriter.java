package dev.pixelflow.cli.report;

import static dev.pixelflow.cli.report.Html.escape;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
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

    /** The HTML text; kept apart from the file work above so the markup reads top to bottom like the page. */
    private static final class Page {
        private final ModelVersion version;
        private final List<Prediction> predictions;
        private final ConfusionMatrix matrix;
        private final List<Tile> tiles;
        private final boolean hasChart;
        private final Instant now;
        private final StringBuilder out = new StringBuilder(64 * 1024);

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
            out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>").append(escape(version.ref())).append(" · pixelflow report</title>\n")
                    .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
            header();
            out.append("<main>\n");
            summary();
            history();
            out.append("<div class=\"two\">\n");
            confusion();
            perClass();
            out.append("</div>\n");
            grid();
            out.append("</main>\n");
            footer();
            out.append("<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
            return out.toString();
        }

        private void header() {
            out.append("<header>\n<div class=\"wrap\">\n<div class=\"brand\"><span>pixelflow · evaluation report</span>")
                    .append("<span class=\"generated\">generated ").append(escape(WHEN.format(now))).append("</span></div>\n")
                    .append("<h1 id=\"model\">").append(escape(version.ref())).append("</h1>\n<div class=\"chips\">\n");
            chip("input", version.inputShape().toString());
            chip("classes", String.join(", ", version.classNames()));
            chip("engine", version.engine());
            chip("epochs", Integer.toString(version.history().isEmpty() ? version.epochs() : version.history().size()));
            chip("dataset snapshot", snapshot());
            chip("trained", version.createdAt() == null ? "unknown" : WHEN.format(version.createdAt()));
            out.append("</div>\n</div>\n</header>\n");
        }

        private void chip(String key, String value) {
            if (value == null || value.isBlank()) {
                return;
            }
            out.append("<span class=\"chip\"><b>").append(escape(key)).append("</b> ").append(escape(value)).append("</span>\n");
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

        private void summary() {
            long total = matrix.total();
            long correct = matrix.correct();
            out.append("<section class=\"cards\" id=\"summary\">\n");
            if (total == 0) {
                out.append("<p class=\"summary-line\">No images were evaluated.</p>\n");
            } else {
                out.append("<p class=\"summary-line\">Accuracy <strong>").append(percent(matrix.accuracy()))
                        .append("</strong> on ").append(total).append(" evaluated image").append(total == 1 ? "" : "s")
                        .append(" (").append(correct).append(" correct, ").append(total - correct).append(" wrong).</p>\n");
            }
            out.append("<div class=\"card-row\">\n");
            card("accuracy", total == 0 ? "—" : percent(matrix.accuracy()), correct + " of " + total + " correct", "good");
            card("images evaluated", Long.toString(total), predictions.stream().map(Prediction::trueLabel).distinct().count()
                    + " true classes", "");
            card("wrong", Long.toString(total - correct), total == 0 ? "" : percent((double) (total - correct) / total) + " of all",
                    total - correct > 0 ? "bad" : "");
            EpochMetrics last = version.last();
            if (last != null) {
                card("validation accuracy", percent(last.valAccuracy()), "during training, epoch " + last.epoch(), "");
            }
            double meanConfidence = predictions.stream().mapToDouble(Prediction::confidence).average().orElse(Double.NaN);
            card("mean confidence", percent(meanConfidence), "of the predicted label", "");
            out.append("</div>\n</section>\n");
        }

        private void card(String label, String value, String note, String kind) {
            out.append("<div class=\"card ").append(kind).append("\"><div class=\"card-label\">").append(escape(label))
                    .append("</div><div class=\"card-value\">").append(escape(value)).append("</div><div class=\"card-note\">")
                    .append(escape(note)).append("</div></div>\n");
        }

        private void history() {
            out.append("<section id=\"history\">\n<h2>Training history</h2>\n");
            if (hasChart) {
                out.append("<p class=\"hint\">Accuracy and loss per epoch: training (dots) against validation (line).</p>\n")
                        .append("<img id=\"history-chart\" class=\"chart\" src=\"").append(IMAGES_DIR).append('/').append(HISTORY_PNG)
                        .append("\" alt=\"accuracy and loss per epoch, training and validation\">\n");
            } else {
                out.append("<p class=\"hint\">This model version has no training history.</p>\n");
            }
            out.append("</section>\n");
        }

        private void confusion() {
            List<String> classes = matrix.classes();
            out.append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n")
                    .append("<p class=\"hint\">Rows: true label. Columns: predicted label. Diagonal: correct.</p>\n")
                    .append("<table class=\"matrix\">\n<thead><tr><th class=\"corner\">true ╲ predicted</th>");
            for (String c : classes) {
                out.append("<th>").append(escape(c)).append("</th>");
            }
            out.append("<th class=\"total\">total</th></tr></thead>\n<tbody>\n");
            for (int t = 0; t < classes.size(); t++) {
                long support = matrix.support(t);
                out.append("<tr><th>").append(escape(classes.get(t))).append("</th>");
                for (int p = 0; p < classes.size(); p++) {
                    long n = matrix.count(t, p);
                    double share = support == 0 ? 0 : (double) n / support;
                    String kind = t == p ? "diag" : n > 0 ? "off" : "zero";
                    // Shade by share of the row so a glance finds the classes the model confuses.
                    String style = n == 0 ? "" : String.format(Locale.ROOT, " style=\"--share:%.3f\"", share);
                    out.append("<td class=\"").append(kind).append("\"").append(style).append('>').append(n).append("</td>");
                }
                out.append("<td class=\"total\">").append(support).append("</td></tr>\n");
            }
            out.append("</tbody>\n</table>\n</section>\n");
        }

        private void perClass() {
            List<String> classes = matrix.classes();
            out.append("<section id=\"per-class\">\n<h2>Per-class precision and recall</h2>\n")
                    .append("<p class=\"hint\">On the evaluated images. Precision: of the images predicted as the class, how many are. "
                            + "Recall: of the images of the class, how many were found.</p>\n")
                    .append("<table class=\"metrics\">\n<thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
                            + "<th>images</th><th>predicted</th></tr></thead>\n<tbody>\n");
            for (int i = 0; i < classes.size(); i++) {
                out.append("<tr><th>").append(escape(classes.get(i))).append("</th>");
                bar(matrix.precision(i));
                bar(matrix.recall(i));
                out.append("<td class=\"num\">").append(percent(matrix.f1(i))).append("</td>")
                        .append("<td class=\"num\">").append(matrix.support(i)).append("</td>")
                        .append("<td class=\"num\">").append(matrix.predicted(i)).append("</td></tr>\n");
            }
            out.append("</tbody>\n</table>\n</section>\n");
        }

        private void bar(double value) {
            out.append("<td class=\"num\"><span class=\"meter\"><span style=\"width:")
                    .append(Double.isNaN(value) ? 0 : String.format(Locale.ROOT, "%.1f", value * 100)).append("%\"></span></span>")
                    .append(percent(value)).append("</td>");
        }

        private void grid() {
            long wrong = tiles.stream().filter(t -> !t.prediction().correct()).count();
            out.append("<section id=\"images\">\n<h2>Evaluated images</h2>\n<p class=\"hint\">");
            if (tiles.isEmpty()) {
                out.append("No images to show.");
            } else {
                out.append("Showing ").append(tiles.size()).append(" of ").append(predictions.size()).append(" images");
                out.append(wrong > 0 ? ", the " + wrong + " wrong one" + (wrong == 1 ? "" : "s") + " first (most confident first)."
                        : "; all of them are correct.");
                out.append(" <span class=\"legend-wrong\">✗ wrong</span> <span class=\"legend-right\">✓ correct</span>");
            }
            out.append("</p>\n<div class=\"grid\" id=\"image-grid\">\n");
            for (Tile tile : tiles) {
                Prediction p = tile.prediction();
                boolean ok = p.correct();
                out.append("<figure class=\"tile ").append(ok ? "right" : "wrong").append("\" title=\"").append(escape(p.name())).append("\">\n");
                out.append("<div class=\"frame\">");
                if (tile.src() != null) {
                    out.append("<img src=\"").append(escape(tile.src())).append("\" alt=\"").append(escape(p.name())).append("\">");
                } else {
                    out.append("<div class=\"noimg\">cannot display this format</div>");
                }
                out.append("<span class=\"mark\">").append(ok ? "✓" : "✗").append("</span></div>\n<figcaption>")
                        .append("<div class=\"labels\"><span class=\"k\">true</span> <span class=\"true\">").append(escape(p.trueLabel()))
                        .append("</span></div>")
                        .append("<div class=\"labels\"><span class=\"k\">predicted</span> <span class=\"pred\">").append(escape(p.predictedLabel()))
                        .append("</span> <span class=\"conf\">").append(percent(p.confidence())).append("</span></div>")
                        .append("<div class=\"confbar\"><span style=\"width:")
                        .append(String.format(Locale.ROOT, "%.1f", p.confidence() * 100)).append("%\"></span></div>")
                        .append("<div class=\"name\">").append(escape(p.name())).append("</div></figcaption>\n</figure>\n");
            }
            out.append("</div>\n</section>\n");
        }

        private void footer() {
            out.append("<footer><div class=\"wrap\">Generated by pixelflow on ").append(escape(WHEN.format(now)))
                    .append(" · model ").append(escape(version.ref()));
            if (version.jobId() != null) {
                out.append(" · training job ").append(escape(version.jobId()));
            }
            if (version.fingerprint() != null) {
                out.append(" · preprocessing ").append(escape(version.fingerprint().id()));
            }
            if (version.artifactSha256() != null) {
                out.append(" · artifact sha256 <code>").append(escape(version.artifactSha256().substring(0, 12))).append("…</code>");
            }
            out.append("</div></footer>\n");
        }

        private static String percent(double v) {
            return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f%%", v * 100);
        }
    }

    private static final String STYLE = """
            :root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f5f7fa; --card:#fff;
                    --good:#15803d; --bad:#dc2626; --accent:#2563eb; }
            * { box-sizing: border-box; }
            body { margin:0; background:var(--bg); color:var(--ink);
                   font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
            .wrap, main { max-width:1200px; margin:0 auto; padding:0 24px; }
            header { background:#0f172a; color:#e2e8f0; padding:22px 0 18px; }
            .brand { display:flex; justify-content:space-between; font-size:12px; letter-spacing:.08em; text-transform:uppercase; color:#94a3b8; }
            .brand .generated { text-transform:none; letter-spacing:0; }
            h1 { margin:4px 0 12px; font-size:28px; font-weight:650; color:#fff; }
            .chips { display:flex; flex-wrap:wrap; gap:6px; }
            .chip { background:#1e293b; border:1px solid #334155; border-radius:999px; padding:2px 10px; font-size:12.5px; color:#cbd5e1; }
            .chip b { color:#94a3b8; font-weight:500; margin-right:2px; }
            main { padding-top:18px; padding-bottom:24px; }
            section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin:0 0 16px; }
            section.cards { background:none; border:none; padding:0; }
            h2 { font-size:16px; margin:0 0 4px; }
            .hint { color:var(--muted); margin:0 0 12px; font-size:13px; }
            .summary-line { margin:0 0 10px; font-size:15px; }
            .card-row { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; }
            .card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
            .card-label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.05em; }
            .card-value { font-size:26px; font-weight:650; margin:2px 0; }
            .card.good .card-value { color:var(--good); }
            .card.bad .card-value { color:var(--bad); }
            .card-note { color:var(--muted); font-size:12.5px; }
            img.chart { display:block; width:100%; height:auto; border-radius:6px; }
            .two { display:flex; flex-wrap:wrap; gap:0 16px; }
            .two section { overflow-x:auto; }
            #confusion { flex:0 1 auto; max-width:100%; }
            #per-class { flex:1 1 480px; }
            table { border-collapse:collapse; font-variant-numeric:tabular-nums; }
            th, td { padding:7px 12px; border:1px solid var(--line); text-align:right; }
            thead th { background:#f8fafc; font-weight:600; font-size:12.5px; color:#374151; }
            tbody th { text-align:left; background:#f8fafc; font-weight:600; }
            th.corner { color:var(--muted); font-weight:500; text-align:left; }
            .metrics thead th:first-child { text-align:left; }
            .matrix td { min-width:64px; font-weight:600; }
            .matrix td.diag { background:rgba(22,163,74, calc(0.10 + 0.55 * var(--share, 0))); color:#064e3b; }
            .matrix td.off { background:rgba(220,38,38, calc(0.08 + 0.5 * var(--share, 0))); color:#7f1d1d; }
            .matrix td.zero { color:#9ca3af; font-weight:400; }
            .matrix .total { color:var(--muted); font-weight:500; background:#f8fafc; }
            .metrics { width:100%; }
            .metrics td.num { white-space:nowrap; }
            .meter { display:inline-block; width:48px; height:6px; background:#e5e7eb; border-radius:3px; margin-right:8px; vertical-align:middle; overflow:hidden; }
            .meter span { display:block; height:100%; background:var(--accent); }
            .legend-wrong, .legend-right { display:inline-block; margin-left:8px; padding:0 8px; border-radius:999px; font-size:12px; font-weight:600; }
            .legend-wrong { color:#fff; background:var(--bad); }
            .legend-right { color:#fff; background:var(--good); }
            .grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:12px; }
            figure.tile { margin:0; border:1px solid var(--line); border-radius:8px; overflow:hidden; background:#fff; }
            figure.tile.wrong { border:3px solid var(--bad); }
            .frame { position:relative; aspect-ratio:1 / 1; background:#f1f5f9; }
            .frame img { width:100%; height:100%; object-fit:cover; display:block; }
            .noimg { display:flex; align-items:center; justify-content:center; height:100%; color:var(--muted); font-size:12px; }
            .mark { position:absolute; top:6px; right:6px; width:24px; height:24px; border-radius:50%; display:flex;
                    align-items:center; justify-content:center; font-weight:700; font-size:14px; color:#fff; background:var(--good);
                    box-shadow:0 1px 3px rgba(0,0,0,.35); }
            .wrong .mark { background:var(--bad); }
            figcaption { padding:7px 9px 8px; font-size:12.5px; }
            .labels { display:flex; gap:4px; align-items:baseline; white-space:nowrap; overflow:hidden; }
            .labels .k { color:var(--muted); width:62px; flex:none; }
            .true, .pred { font-weight:600; overflow:hidden; text-overflow:ellipsis; }
            .wrong .pred { color:var(--bad); }
            .right .pred { color:var(--good); }
            .conf { margin-left:auto; color:#374151; font-variant-numeric:tabular-nums; }
            .confbar { height:4px; background:#e5e7eb; border-radius:2px; margin:5px 0 4px; overflow:hidden; }
            .confbar span { display:block; height:100%; background:var(--good); }
            .wrong .confbar span { background:var(--bad); }
            .name { color:#9ca3af; font-size:11.5px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
            footer { color:var(--muted); font-size:12px; padding:8px 0 28px; }
            footer code { font-size:11.5px; }
            """;

    /**
     * Records on the body whether every picture decoded ({@code data-images-loaded="n/m"}) and where the chart and
     * the grid are: a broken report otherwise looks fine in its HTML and only a browser shows the gaps.
     */
    private static final String SCRIPT = """
            (function () {
              var imgs = Array.prototype.slice.call(document.images);
              function rect(id) {
                var e = document.getElementById(id);
                if (!e) { return ''; }
                var r = e.getBoundingClientRect();
                return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].map(Math.round).join(',');
              }
              function update() {
                var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
                document.body.dataset.imagesLoaded = ok + '/' + imgs.length;
                document.body.dataset.chartRect = rect('history-chart');
                document.body.dataset.gridRect = rect('image-grid');
              }
              imgs.forEach(function (i) { i.addEventListener('load', update); i.addEventListener('error', update); });
              window.addEventListener('load', update);
              update();
            })();
            """;
}
