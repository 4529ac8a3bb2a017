package dev.pixelflow.imaging;

import dev.pixelflow.common.message.EpochMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The two pictures of the reference tutorial: accuracy and loss per epoch, training against validation, side
 * by side in one PNG. Made from a job's history, so the trainer and {@code models plot} draw the same thing.
 */
public final class HistoryPlot {
    private HistoryPlot() {
    }

    public static void write(List<EpochMetrics> history, String title, Path png) throws IOException {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot");
        }
        System.setProperty("java.awt.headless", "true");
        double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
        XYChart acc = chart(title + " — accuracy", "accuracy");
        series(acc, "training", epochs, history.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray(), true);
        series(acc, "validation", epochs, history.stream().mapToDouble(EpochMetrics::valAccuracy).toArray(), false);
        fitY(acc, history.stream().flatMapToDouble(m -> java.util.stream.DoubleStream.of(m.trainAccuracy(), m.valAccuracy())));
        XYChart loss = chart(title + " — loss", "loss");
        fitY(loss, history.stream().flatMapToDouble(m -> java.util.stream.DoubleStream.of(m.trainLoss(), m.valLoss())));
        series(loss, "training", epochs, history.stream().mapToDouble(EpochMetrics::trainLoss).toArray(), true);
        series(loss, "validation", epochs, history.stream().mapToDouble(EpochMetrics::valLoss).toArray(), false);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String base = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4) : png.toString();
        BitmapEncoder.saveBitmap(List.of(acc, loss), 1, 2, base, BitmapEncoder.BitmapFormat.PNG);
    }

    /** XChart sizes the axis from the line series only; the scatter points must fit too. */
    private static void fitY(XYChart chart, java.util.stream.DoubleStream values) {
        double[] v = values.filter(Double::isFinite).toArray();
        if (v.length == 0) {
            return;
        }
        double min = java.util.Arrays.stream(v).min().getAsDouble();
        double max = java.util.Arrays.stream(v).max().getAsDouble();
        double pad = Math.max(1e-3, (max - min) * 0.08);
        chart.getStyler().setYAxisMin(min - pad);
        chart.getStyler().setYAxisMax(max + pad);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        c.getStyler().setDecimalPattern("#0.###");
        return c;
    }

    private static void series(XYChart chart, String name, double[] x, double[] y, boolean dots) {
        double[] clean = java.util.Arrays.stream(y).map(v -> Double.isFinite(v) ? v : 0).toArray();
        XYSeries s = chart.addSeries(name, x, clean);
        s.setMarker(dots ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setXYSeriesRenderStyle(dots ? XYSeries.XYSeriesRenderStyle.Scatter : XYSeries.XYSeriesRenderStyle.Line);
    }
}
