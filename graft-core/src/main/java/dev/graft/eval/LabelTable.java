package dev.graft.eval;

import java.util.List;
import java.util.Locale;

/**
 * The per-label table of a plain-text report ({@link HeadMetrics#report()}): a first column of labels as wide as
 * the longest (at least 9), then figures 9 wide under their headings.
 */
final class LabelTable {
    private final StringBuilder out;
    private final int width;

    /** Starts the table in {@code out} with a line of {@code headings}. */
    LabelTable(StringBuilder out, List<String> labels, String... headings) {
        int w = 9;
        for (String l : labels) {
            w = Math.max(w, l.length());
        }
        this.out = out;
        this.width = w;
        label("");
        for (String h : headings) {
            out.append(String.format(Locale.ROOT, " %9s", h));
        }
        out.append(String.format("%n"));
    }

    /** Writes {@code label} right-aligned in the labels' column. */
    void label(String label) {
        out.append(String.format(Locale.ROOT, "%" + width + "s", label));
    }

    /** A row: {@code label}, then {@code figures} in {@code format} (e.g. {@code "%9.4f %9d"}), then a new line. */
    void row(String label, String format, Object... figures) {
        label(label);
        out.append(String.format(Locale.ROOT, " " + format + "%n", figures));
    }
}
