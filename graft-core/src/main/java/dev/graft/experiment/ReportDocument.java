package dev.graft.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * A report as a list of blocks, rendered once as Markdown and once as a self-contained HTML page (inline
 * CSS, figures as inline SVG, no external resource), so the two files always say the same.
 */
final class ReportDocument {

    /** A piece of the report. */
    sealed interface Block permits Heading, Paragraph, Bullets, Table, Code, Figure {
    }

    /** A section heading, level 1 to 3. */
    record Heading(int level, String text) implements Block {
    }

    /** Plain text. */
    record Paragraph(String text) implements Block {
    }

    /** A bulleted list of plain-text items. */
    record Bullets(List<String> items) implements Block {
    }

    /** A table cell's text, bold or not. */
    record Text(String text, boolean bold) {
        static Text of(String text) {
            return new Text(text, false);
        }
    }

    /** A table: header and body rows of equal width; {@code numeric}: columns after the first right-aligned. */
    record Table(List<String> header, List<List<Text>> rows, boolean numeric) implements Block {
        Table {
            for (List<Text> row : rows) {
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("table row of " + row.size() + " cells under a header of "
                            + header.size());
                }
            }
        }
    }

    /** Preformatted text, e.g. a JSON block. */
    record Code(String language, String text) implements Block {
    }

    /**
     * A figure: in Markdown the image file (when there is one), in HTML the inline SVG; then the caption.
     *
     * @param altText   a few words for the Markdown image
     * @param imageFile file name next to report.md, or null for an HTML-only figure
     * @param inlineSvg an {@code <svg>} element without XML declaration
     * @param caption   plain text
     */
    record Figure(String altText, String imageFile, String inlineSvg, String caption) implements Block {
    }

    private final List<Block> blocks = new ArrayList<>();

    ReportDocument add(Block block) {
        blocks.add(block);
        return this;
    }

    List<Block> blocks() {
        return List.copyOf(blocks);
    }

    /** GitHub-flavoured Markdown. */
    String markdown() {
        StringBuilder o = new StringBuilder();
        for (Block b : blocks) {
            switch (b) {
                case Heading h -> o.append("#".repeat(h.level())).append(' ').append(oneLine(h.text())).append("\n\n");
                case Paragraph p -> o.append(p.text()).append("\n\n");
                case Bullets l -> {
                    for (String item : l.items()) {
                        o.append("- ").append(oneLine(item)).append('\n');
                    }
                    o.append('\n');
                }
                case Table t -> {
                    o.append('|');
                    t.header().forEach(h -> o.append(' ').append(cell(h)).append(" |"));
                    o.append("\n|");
                    for (int i = 0; i < t.header().size(); i++) {
                        o.append(i == 0 || !t.numeric() ? "---|" : "---:|");
                    }
                    o.append('\n');
                    for (List<Text> row : t.rows()) {
                        o.append('|');
                        for (Text c : row) {
                            String s = cell(c.text());
                            o.append(' ').append(c.bold() && !s.isEmpty() ? "**" + s + "**" : s).append(" |");
                        }
                        o.append('\n');
                    }
                    o.append('\n');
                }
                case Code c -> {
                    String fence = c.text().contains("```") ? "~~~~" : "```";
                    o.append(fence).append(c.language()).append('\n').append(c.text());
                    if (!c.text().endsWith("\n")) {
                        o.append('\n');
                    }
                    o.append(fence).append("\n\n");
                }
                case Figure f -> {
                    if (f.imageFile() != null) {
                        o.append("![").append(f.altText()).append("](").append(f.imageFile()).append(")\n\n");
                        o.append('*').append(oneLine(f.caption())).append("*\n\n");
                    }
                }
            }
        }
        return o.toString();
    }

    /** One HTML page; every byte it needs is inside it. */
    String html(String title) {
        StringBuilder o = new StringBuilder();
        o.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(LineChart.escape(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n")
                .append("<body>\n");
        for (Block b : blocks) {
            switch (b) {
                case Heading h -> o.append("<h").append(h.level()).append('>').append(LineChart.escape(h.text()))
                        .append("</h").append(h.level()).append(">\n");
                case Paragraph p -> o.append("<p>").append(LineChart.escape(p.text())).append("</p>\n");
                case Bullets l -> {
                    o.append("<ul>\n");
                    l.items().forEach(i -> o.append("<li>").append(LineChart.escape(i)).append("</li>\n"));
                    o.append("</ul>\n");
                }
                case Table t -> {
                    o.append("<table>\n<thead><tr>");
                    t.header().forEach(h -> o.append("<th>").append(LineChart.escape(h)).append("</th>"));
                    o.append("</tr></thead>\n<tbody>\n");
                    for (List<Text> row : t.rows()) {
                        o.append("<tr>");
                        for (int i = 0; i < row.size(); i++) {
                            Text c = row.get(i);
                            String s = LineChart.escape(c.text());
                            o.append(i == 0 || !t.numeric() ? "<td>" : "<td class=\"n\">")
                                    .append(c.bold() ? "<strong>" + s + "</strong>" : s).append("</td>");
                        }
                        o.append("</tr>\n");
                    }
                    o.append("</tbody>\n</table>\n");
                }
                case Code c -> o.append("<pre><code>").append(LineChart.escape(c.text())).append("</code></pre>\n");
                case Figure f -> o.append("<figure>\n").append(f.inlineSvg()).append("<figcaption>")
                        .append(LineChart.escape(f.caption())).append("</figcaption>\n</figure>\n");
            }
        }
        o.append("</body>\n</html>\n");
        return o.toString();
    }

    private static final String CSS = """
            body { font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em;
                   color: #222; line-height: 1.45; }
            h1 { font-size: 1.6em; border-bottom: 1px solid #ccc; padding-bottom: .2em; }
            h2 { font-size: 1.3em; margin-top: 1.8em; }
            h3 { font-size: 1.1em; }
            table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
            th, td { border: 1px solid #d0d0d0; padding: .3em .6em; text-align: left; vertical-align: top; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            th { background: #f3f3f3; }
            tbody tr:nth-child(even) { background: #fafafa; }
            pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .88em; }
            figure { margin: 1em 0; }
            figure svg { max-width: 100%; height: auto; }
            figcaption { font-size: .9em; color: #555; }
            """;

    /** Text safe inside a Markdown table cell: no line breaks, pipes escaped. */
    private static String cell(String s) {
        return oneLine(s).replace("|", "\\|");
    }

    private static String oneLine(String s) {
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
}
