package dev.graft.experiment;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The experiment's learning curve: test metric against labels used (log scale), one line per strategy at
 * the mean over seeds, a shaded band from the lowest to the highest seed. Every strategy with a finished
 * cell is drawn (bow dashed, so the baseline stands out). The PNG comes from XChart, the SVG from
 * {@link SvgChart}; both use the same colors.
 */
final class LearningCurvePlot {
    /** Fixed colors for the known strategies, so every report draws a strategy alike. */
    private static final Map<String, String> COLORS = Map.of(
            "scratch", "#7f7f7f", "transfer", "#1f77b4", "ulmfit", "#ff7f0e", "multitask", "#2ca02c",
            "merged", "#9467bd", "pretrained", "#d62728", "bow", "#000000", "labels-as-text", "#8c564b");
    private static final List<String> OTHER_COLORS = List.of("#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939");

    /** One strategy's points, fewest labels first. */
    record Line(String strategy, String color, boolean dashed, double[] labels, double[] mean, double[] min,
                double[] max) {
    }

    private LearningCurvePlot() {
    }

    static List<Line> lines(ResultTable table) {
        List<Line> out = new ArrayList<>();
        int other = 0;
        for (String s : table.strategies()) {
            List<ResultTable.Cell> cells = new ArrayList<>();
            for (String b : table.budgets()) {
                table.scored(s, b).ifPresent(cells::add);
            }
            if (cells.isEmpty()) {
                continue;
            }
            cells.sort(java.util.Comparator.comparingInt(ResultTable.Cell::labels));
            String color = COLORS.get(s);
            if (color == null) {
                color = OTHER_COLORS.get(other++ % OTHER_COLORS.size());
            }
            out.add(new Line(s, color, s.equals("bow"),
                    cells.stream().mapToDouble(ResultTable.Cell::labels).toArray(),
                    cells.stream().mapToDouble(ResultTable.Cell::mean).toArray(),
                    cells.stream().mapToDouble(ResultTable.Cell::min).toArray(),
                    cells.stream().mapToDouble(ResultTable.Cell::max).toArray()));
        }
        return out;
    }

    static String title(ReportContext context) {
        return context.dataName() == null || context.dataName().isBlank() ? "Learning curve"
                : "Learning curve: " + context.dataName();
    }

    static String yTitle(ReportContext context) {
        return "test " + context.metric() + " (mean over seeds, band min-max)";
    }

    /** The figure as SVG: standalone (a file) or for inlining in HTML. */
    static String svg(ResultTable table, ReportContext context, boolean standalone) {
        List<Line> lines = lines(table);
        SvgChart chart = new SvgChart(title(context), "labels used (log scale)", yTitle(context), true);
        TreeSet<Integer> ticks = new TreeSet<>();
        for (Line l : lines) {
            for (double x : l.labels()) {
                ticks.add((int) x);
            }
            chart.add(new SvgChart.Series(l.strategy(), l.color(), l.dashed(), l.labels(), l.mean(), l.min(),
                    l.max()));
        }
        List<String> tickLabels = ticks.stream().map(t -> String.format(Locale.ROOT, "%,d", t)).toList();
        chart.xTicks(ticks.stream().mapToDouble(Integer::doubleValue).toArray(), tickLabels);
        return chart.render(standalone);
    }

    /** Writes the figure as PNG. */
    static void writePng(ResultTable table, ReportContext context, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Line> lines = lines(table);
        XYChart chart = new XYChartBuilder().width(SvgChart.WIDTH).height(SvgChart.HEIGHT).title(title(context))
                .xAxisTitle("labels used (log scale)").yAxisTitle(yTitle(context)).build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setMarkerSize(7);
        TreeSet<Double> distinct = new TreeSet<>();
        lines.forEach(l -> {
            for (double x : l.labels()) {
                distinct.add(x);
            }
        });
        // a log axis over a single value has no extent; a linear one places the lone budget sensibly
        chart.getStyler().setXAxisLogarithmic(distinct.size() > 1);
        for (Line l : lines) {
            boolean spread = false;
            for (int i = 0; i < l.labels().length; i++) {
                spread |= l.max()[i] > l.min()[i];
            }
            if (l.labels().length > 1 && spread) {
                int n = l.labels().length;
                double[] px = new double[2 * n];
                double[] py = new double[2 * n];
                for (int i = 0; i < n; i++) {
                    px[i] = l.labels()[i];
                    py[i] = l.max()[i];
                    px[2 * n - 1 - i] = l.labels()[i];
                    py[2 * n - 1 - i] = l.min()[i];
                }
                XYSeries band = chart.addSeries(l.strategy() + " (seed range)", px, py);
                band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
                Color c = Color.decode(l.color());
                band.setFillColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 40));
                band.setLineStyle(SeriesLines.NONE);
                band.setLineColor(new Color(0, 0, 0, 0));
                band.setMarker(SeriesMarkers.NONE);
                band.setShowInLegend(false);
            }
        }
        for (Line l : lines) {
            XYSeries s = chart.addSeries(l.strategy(), l.labels(), l.mean());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            Color c = Color.decode(l.color());
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineWidth(2f);
            if (l.dashed()) {
                s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                        new float[] {7f, 4f}, 0f));
            }
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
