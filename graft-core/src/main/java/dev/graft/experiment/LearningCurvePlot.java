package dev.graft.experiment;

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
 * cell is drawn (bow dashed, so the baseline stands out). SVG and PNG are the same {@link LineChart}.
 */
final class LearningCurvePlot {
    /** Fixed colors for the known strategies, so every report draws a strategy alike. */
    private static final Map<String, String> COLORS = Map.of(
            "scratch", "#7f7f7f", "transfer", "#1f77b4", "ulmfit", "#ff7f0e", "multitask", "#2ca02c",
            "merged", "#9467bd", "pretrained", "#d62728", "bow", "#000000", "labels-as-text", "#8c564b",
            "setfit", "#e6550d", "setfit-own", "#3182bd");
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

    /** The figure as a {@link LineChart}: lines with min-max bands, ticks at the budgets' label counts. */
    static LineChart chart(ResultTable table, ReportContext context) {
        List<Line> lines = lines(table);
        LineChart chart = new LineChart(title(context), "labels used (log scale)", yTitle(context), true);
        TreeSet<Integer> ticks = new TreeSet<>();
        for (Line l : lines) {
            for (double x : l.labels()) {
                ticks.add((int) x);
            }
            chart.add(new LineChart.Series(l.strategy(), l.color(), l.dashed(), l.labels(), l.mean(), l.min(),
                    l.max()));
        }
        List<String> tickLabels = ticks.stream().map(t -> String.format(Locale.ROOT, "%,d", t)).toList();
        chart.xTicks(ticks.stream().mapToDouble(Integer::doubleValue).toArray(), tickLabels);
        return chart;
    }

    /** The figure as SVG: standalone (a file) or for inlining in HTML. */
    static String svg(ResultTable table, ReportContext context, boolean standalone) {
        return chart(table, context).render(standalone);
    }

    /** Writes the figure as PNG: the same chart as {@link #svg}, drawn with Java2D. */
    static void writePng(ResultTable table, ReportContext context, Path file) throws IOException {
        chart(table, context).writePng(file);
    }
}
