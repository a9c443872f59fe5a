package dev.graft.experiment;

import dev.graft.io.TextEscapes;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * A small line-chart writer producing SVG text: lines with round markers, optional shaded bands, a
 * logarithmic or linear x axis, a linear y axis with rounded ticks, a legend on the right. Enough for the
 * experiment report's figures without a vector-graphics library.
 *
 * <p>{@link #render(boolean) render(true)} gives a standalone file (XML declaration and SVG namespace);
 * {@code render(false)} gives an element to inline in HTML, which needs neither.
 */
final class LineChart {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;
    private static final int LEFT = 70;
    private static final int RIGHT = 180;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;
    /** The SVG namespace, needed by a standalone file only. */
    private static final String NAMESPACE = "http://www.w3.org/2000/svg";
    /** Share of the data range left free on each side of the plot. */
    private static final double PAD = 0.05;

    /**
     * One line.
     *
     * @param name   legend text
     * @param color  CSS color, e.g. "#1f77b4"
     * @param dashed drawn dashed
     * @param x      x values (positive on a log axis)
     * @param y      y values, same length
     * @param low    lower edge of the band per point, or null for no band
     * @param high   upper edge of the band per point, or null for no band
     */
    record Series(String name, String color, boolean dashed, double[] x, double[] y, double[] low, double[] high) {
        Series {
            if (x.length != y.length || x.length == 0) {
                throw new IllegalArgumentException("series " + name + ": needs as many y as x values, at least one");
            }
            if ((low == null) != (high == null) || low != null && (low.length != x.length || high.length != x.length)) {
                throw new IllegalArgumentException("series " + name + ": band edges must both be given, one per point");
            }
        }
    }

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();
    private double[] xTicks;
    private List<String> xTickLabels;

    LineChart(String title, String xTitle, String yTitle, boolean logX) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
        this.logX = logX;
    }

    /** Adds a line; lines are drawn in the order added, bands under all lines. */
    LineChart add(Series s) {
        if (logX) {
            for (double v : s.x()) {
                if (!(v > 0)) {
                    throw new IllegalArgumentException("series " + s.name() + ": x must be > 0 on a log axis, got " + v);
                }
            }
        }
        series.add(s);
        return this;
    }

    /** Puts the x ticks at these values with these labels instead of automatic ones. */
    LineChart xTicks(double[] values, List<String> labels) {
        if (values.length != labels.size()) {
            throw new IllegalArgumentException(values.length + " tick values but " + labels.size() + " labels");
        }
        this.xTicks = values.clone();
        this.xTickLabels = List.copyOf(labels);
        return this;
    }

    /**
     * Where everything goes: the plot area, the data-to-pixel maps, the y ticks with their labels and the x
     * ticks inside the plot with theirs. Both encoders draw from it.
     */
    private record Layout(int plotW, int plotH, DoubleUnaryOperator px, DoubleUnaryOperator py, List<Double> yValues,
                          List<String> yLabels, List<Double> xTicks, List<String> xLabels) {
    }

    private Layout layout() {
        if (series.isEmpty()) {
            throw new IllegalStateException("nothing to plot: no series");
        }
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMin = Math.min(yMin, s.low() == null ? s.y()[i] : Math.min(s.y()[i], s.low()[i]));
                yMax = Math.max(yMax, s.high() == null ? s.y()[i] : Math.max(s.y()[i], s.high()[i]));
            }
        }
        double u0 = tx(xMin);
        double u1 = tx(xMax);
        if (u1 - u0 < 1e-12) {
            u0 -= 0.5;
            u1 += 0.5;
        }
        double uPad = (u1 - u0) * PAD;
        u0 -= uPad;
        u1 += uPad;
        if (yMax - yMin < 1e-12) {
            double half = Math.abs(yMin) > 0 ? Math.abs(yMin) * 0.1 : 1;
            yMin -= half;
            yMax += half;
        }
        double yStep = niceStep((yMax - yMin) / 5);
        double v0 = Math.floor(yMin / yStep) * yStep;
        double v1 = Math.ceil(yMax / yStep) * yStep;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        final double fu0 = u0;
        final double fu1 = u1;
        DoubleUnaryOperator px = x -> LEFT + (tx(x) - fu0) / (fu1 - fu0) * plotW;
        DoubleUnaryOperator py = y -> TOP + plotH - (y - v0) / (v1 - v0) * plotH;

        int yDecimals = Math.max(0, (int) -Math.floor(Math.log10(yStep) + 1e-9));
        List<String> yLabels = new ArrayList<>();
        List<Double> yValues = new ArrayList<>();
        for (int k = 0; v0 + k * yStep <= v1 + yStep * 1e-6; k++) {
            double v = v0 + k * yStep;
            yValues.add(v);
            yLabels.add(String.format(Locale.ROOT, "%." + yDecimals + "f", v));
        }
        double[] ticks;
        List<String> tickLabels;
        if (xTicks != null) {
            ticks = xTicks;
            tickLabels = xTickLabels;
        } else {
            ticks = autoTicks(xMin, xMax);
            tickLabels = new ArrayList<>();
            for (double t : ticks) {
                tickLabels.add(compact(t));
            }
        }
        List<Double> inside = new ArrayList<>();
        List<String> insideLabels = new ArrayList<>();
        for (int k = 0; k < ticks.length; k++) {
            double x = px.applyAsDouble(ticks[k]);
            if (x >= LEFT - 0.5 && x <= LEFT + plotW + 0.5) {
                inside.add(ticks[k]);
                insideLabels.add(tickLabels.get(k));
            }
        }
        return new Layout(plotW, plotH, px, py, yValues, yLabels, inside, insideLabels);
    }

    /** The chart as SVG text. */
    String render(boolean standalone) {
        Layout l = layout();
        int plotW = l.plotW();
        int plotH = l.plotH();
        DoubleUnaryOperator px = l.px();
        DoubleUnaryOperator py = l.py();
        StringBuilder o = new StringBuilder();
        if (standalone) {
            o.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        o.append("<svg");
        if (standalone) {
            o.append(" xmlns=\"").append(NAMESPACE).append('"');
        }
        o.append(" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ")
                .append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\">\n");
        o.append("<title>").append(escape(title)).append("</title>\n");
        o.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" fill=\"#ffffff\"/>\n");
        o.append("<text x=\"").append(LEFT + plotW / 2).append("\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">")
                .append(escape(title)).append("</text>\n");

        // grid and y ticks
        o.append("<g class=\"axes\" stroke=\"#e3e3e3\">\n");
        for (double v : l.yValues()) {
            o.append(line(LEFT, py.applyAsDouble(v), LEFT + plotW, py.applyAsDouble(v)));
        }
        for (double t : l.xTicks()) {
            double x = px.applyAsDouble(t);
            o.append(line(x, TOP, x, TOP + plotH));
        }
        o.append("</g>\n");
        o.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotW)
                .append("\" height=\"").append(plotH).append("\" fill=\"none\" stroke=\"#555555\"/>\n");
        o.append("<g class=\"tick-labels\" fill=\"#333333\">\n");
        for (int k = 0; k < l.yValues().size(); k++) {
            o.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(num(py.applyAsDouble(l.yValues().get(k)) + 4))
                    .append("\" text-anchor=\"end\">").append(escape(l.yLabels().get(k))).append("</text>\n");
        }
        for (int k = 0; k < l.xTicks().size(); k++) {
            double x = px.applyAsDouble(l.xTicks().get(k));
            o.append("<text x=\"").append(num(x)).append("\" y=\"").append(TOP + plotH + 16)
                    .append("\" text-anchor=\"middle\">").append(escape(l.xLabels().get(k))).append("</text>\n");
        }
        o.append("</g>\n");
        o.append("<text x=\"").append(LEFT + plotW / 2).append("\" y=\"").append(HEIGHT - 18)
                .append("\" text-anchor=\"middle\">").append(escape(xTitle)).append("</text>\n");
        o.append("<text transform=\"translate(18 ").append(TOP + plotH / 2)
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(escape(yTitle)).append("</text>\n");

        // bands first, so every line stays visible
        for (Series s : series) {
            if (s.low() == null || s.x().length < 2) {
                continue;
            }
            StringBuilder d = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                d.append(i == 0 ? "M" : " L").append(num(px.applyAsDouble(s.x()[i]))).append(' ')
                        .append(num(py.applyAsDouble(s.high()[i])));
            }
            for (int i = s.x().length - 1; i >= 0; i--) {
                d.append(" L").append(num(px.applyAsDouble(s.x()[i]))).append(' ')
                        .append(num(py.applyAsDouble(s.low()[i])));
            }
            d.append(" Z");
            o.append("<path class=\"band\" d=\"").append(d).append("\" fill=\"").append(escape(s.color()))
                    .append("\" fill-opacity=\"0.15\" stroke=\"none\"/>\n");
        }
        for (Series s : series) {
            o.append("<g class=\"series\" data-name=\"").append(escape(s.name())).append("\" stroke=\"")
                    .append(escape(s.color())).append("\" fill=\"").append(escape(s.color())).append("\">\n");
            if (s.x().length > 1) {
                o.append("<polyline fill=\"none\" stroke-width=\"2\"");
                if (s.dashed()) {
                    o.append(" stroke-dasharray=\"7 4\"");
                }
                o.append(" points=\"");
                for (int i = 0; i < s.x().length; i++) {
                    o.append(i == 0 ? "" : " ").append(num(px.applyAsDouble(s.x()[i]))).append(',')
                            .append(num(py.applyAsDouble(s.y()[i])));
                }
                o.append("\"/>\n");
            }
            if (s.x().length <= 40) {
                for (int i = 0; i < s.x().length; i++) {
                    o.append("<circle cx=\"").append(num(px.applyAsDouble(s.x()[i]))).append("\" cy=\"")
                            .append(num(py.applyAsDouble(s.y()[i]))).append("\" r=\"3.5\"/>\n");
                }
            }
            o.append("</g>\n");
        }

        // legend
        int lx = LEFT + plotW + 16;
        int ly = TOP + 8;
        o.append("<g class=\"legend\">\n");
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            int y = ly + k * 20;
            o.append("<line x1=\"").append(lx).append("\" y1=\"").append(y).append("\" x2=\"").append(lx + 24)
                    .append("\" y2=\"").append(y).append("\" stroke=\"").append(escape(s.color()))
                    .append("\" stroke-width=\"2\"").append(s.dashed() ? " stroke-dasharray=\"7 4\"" : "")
                    .append("/>\n");
            o.append("<text x=\"").append(lx + 30).append("\" y=\"").append(y + 4).append("\">")
                    .append(escape(s.name())).append("</text>\n");
        }
        o.append("</g>\n</svg>\n");
        return o.toString();
    }

    /** Writes the chart as a PNG image of {@link #WIDTH} x {@link #HEIGHT} pixels, drawn with Java2D. */
    void writePng(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            paint(g);
        } finally {
            g.dispose();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        if (!ImageIO.write(image, "png", tmp.toFile())) {
            throw new IOException(file + ": this Java has no PNG writer (javax.imageio)");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Draws what {@link #render} writes, element for element, onto a Java2D surface. */
    private void paint(Graphics2D g) {
        Layout l = layout();
        int plotW = l.plotW();
        int plotH = l.plotH();
        DoubleUnaryOperator px = l.px();
        DoubleUnaryOperator py = l.py();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setColor(Color.BLACK);
        g.setFont(font.deriveFont(15f));
        text(g, title, LEFT + plotW / 2.0, 24, 0.5);

        g.setColor(Color.decode("#e3e3e3"));
        g.setStroke(new BasicStroke(1f));
        for (double v : l.yValues()) {
            g.draw(new Line2D.Double(LEFT, py.applyAsDouble(v), LEFT + plotW, py.applyAsDouble(v)));
        }
        for (double t : l.xTicks()) {
            double x = px.applyAsDouble(t);
            g.draw(new Line2D.Double(x, TOP, x, TOP + plotH));
        }
        g.setColor(Color.decode("#555555"));
        g.draw(new Rectangle2D.Double(LEFT, TOP, plotW, plotH));

        g.setFont(font);
        g.setColor(Color.decode("#333333"));
        for (int k = 0; k < l.yValues().size(); k++) {
            text(g, l.yLabels().get(k), LEFT - 6, py.applyAsDouble(l.yValues().get(k)) + 4, 1);
        }
        for (int k = 0; k < l.xTicks().size(); k++) {
            text(g, l.xLabels().get(k), px.applyAsDouble(l.xTicks().get(k)), TOP + plotH + 16, 0.5);
        }
        g.setColor(Color.BLACK);
        text(g, xTitle, LEFT + plotW / 2.0, HEIGHT - 18, 0.5);
        AffineTransform before = g.getTransform();
        g.translate(18, TOP + plotH / 2.0);
        g.rotate(-Math.PI / 2);
        text(g, yTitle, 0, 0, 0.5);
        g.setTransform(before);

        // bands first, so every line stays visible
        for (Series s : series) {
            if (s.low() == null || s.x().length < 2) {
                continue;
            }
            Path2D band = new Path2D.Double();
            for (int i = 0; i < s.x().length; i++) {
                double x = px.applyAsDouble(s.x()[i]);
                double y = py.applyAsDouble(s.high()[i]);
                if (i == 0) {
                    band.moveTo(x, y);
                } else {
                    band.lineTo(x, y);
                }
            }
            for (int i = s.x().length - 1; i >= 0; i--) {
                band.lineTo(px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.low()[i]));
            }
            band.closePath();
            Color c = Color.decode(s.color());
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(0.15f * 255)));
            g.fill(band);
        }
        for (Series s : series) {
            Color c = Color.decode(s.color());
            g.setColor(c);
            g.setStroke(stroke(s.dashed()));
            if (s.x().length > 1) {
                Path2D line = new Path2D.Double();
                line.moveTo(px.applyAsDouble(s.x()[0]), py.applyAsDouble(s.y()[0]));
                for (int i = 1; i < s.x().length; i++) {
                    line.lineTo(px.applyAsDouble(s.x()[i]), py.applyAsDouble(s.y()[i]));
                }
                g.draw(line);
            }
            if (s.x().length <= 40) {
                for (int i = 0; i < s.x().length; i++) {
                    g.fill(new Ellipse2D.Double(px.applyAsDouble(s.x()[i]) - 3.5, py.applyAsDouble(s.y()[i]) - 3.5, 7,
                            7));
                }
            }
        }

        // legend
        int lx = LEFT + plotW + 16;
        int ly = TOP + 8;
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            int y = ly + k * 20;
            g.setColor(Color.decode(s.color()));
            g.setStroke(stroke(s.dashed()));
            g.draw(new Line2D.Double(lx, y, lx + 24, y));
            g.setColor(Color.BLACK);
            text(g, s.name(), lx + 30, y + 4, 0);
        }
    }

    private static BasicStroke stroke(boolean dashed) {
        return dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 4f}, 0f)
                : new BasicStroke(2f);
    }

    /** Draws text with its baseline at y, anchored at its start (0), middle (0.5) or end (1) as SVG's text-anchor. */
    private static void text(Graphics2D g, String text, double x, double y, double anchor) {
        double width = g.getFontMetrics().getStringBounds(text, g).getWidth();
        g.drawString(text, (float) (x - anchor * width), (float) y);
    }

    private double tx(double x) {
        return logX ? Math.log10(x) : x;
    }

    /** Ticks at 1, 2 and 5 times powers of ten (log) or at a rounded step (linear), within the range. */
    private double[] autoTicks(double min, double max) {
        List<Double> out = new ArrayList<>();
        if (logX) {
            int e0 = (int) Math.floor(Math.log10(min));
            int e1 = (int) Math.ceil(Math.log10(max));
            double[] mantissas = e1 - e0 > 3 ? new double[] {1} : new double[] {1, 2, 5};
            for (int e = e0; e <= e1; e++) {
                for (double m : mantissas) {
                    double t = m * Math.pow(10, e);
                    if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9)) {
                        out.add(t);
                    }
                }
            }
            if (out.size() < 2) {
                out.clear();
                out.add(min);
                if (max > min) {
                    out.add(max);
                }
            }
        } else {
            double step = niceStep((max - min) / 5);
            if (!(step > 0)) {
                return new double[] {min};
            }
            for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-6; t += step) {
                out.add(t);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }

    /** 1500 → "1.5k", 2000000 → "2M", 12 → "12". */
    static String compact(double v) {
        String[] suffix = {"", "k", "M", "B", "T"};
        int k = 0;
        double x = v;
        while (Math.abs(x) >= 1000 && k < suffix.length - 1) {
            x /= 1000;
            k++;
        }
        String s = String.format(Locale.ROOT, "%.1f", x);
        if (s.endsWith(".0")) {
            s = s.substring(0, s.length() - 2);
        }
        return s + suffix[k];
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"/>\n";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Escapes text for XML content and attribute values. */
    static String escape(String s) {
        return TextEscapes.escape(s, c -> switch (c) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            // other control characters are not allowed in XML 1.0
            default -> c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? " " : null;
        });
    }
}
