package dev.graft.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows a run's progress: on a terminal, one bar redrawn in place with step, loss, tokens/s and
 * ETA; otherwise one plain line per call of {@link #logLine}. Which one is decided once, from
 * whether the console is a terminal (override with {@code -Dgraft.progress=bar|lines|off}).
 */
public final class Progress {
    private final PrintStream out;
    private final boolean bar;
    private final boolean off;
    private final String label;
    private long lastDraw;

    public Progress(PrintStream out, String label) {
        this.out = out;
        this.label = label;
        String forced = System.getProperty("graft.progress", "");
        boolean terminal = System.console() != null && isTerminal();
        this.bar = forced.equals("bar") || (forced.isEmpty() && terminal);
        this.off = forced.equals("off");
    }

    private static boolean isTerminal() {
        try {
            return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(System.console());
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    public boolean isBar() {
        return bar;
    }

    /** Redraws the bar (at most 10 times a second); does nothing in line mode. */
    public void update(long step, long total, double loss, double tokensPerSecond, Duration eta) {
        if (!bar || off) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && step < total) {
            return;
        }
        lastDraw = now;
        int width = 30;
        double fraction = total > 0 ? Math.min(1.0, (double) step / total) : 0;
        int filled = (int) Math.round(fraction * width);
        String b = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(width - filled);
        out.printf(Locale.ROOT, "\r%s [%s] %3.0f%% step %d/%d loss %.4f %,.0f tok/s ETA %s   ", label, b,
                fraction * 100, step, total, loss, tokensPerSecond, format(eta));
        out.flush();
    }

    /** A plain line: printed as is in line mode, above the bar in bar mode. */
    public void logLine(String line) {
        if (off) {
            return;
        }
        if (bar) {
            out.print("\r\033[2K");
        }
        out.println(line);
    }

    /** Ends the bar's line. */
    public void finish() {
        if (bar && !off) {
            out.println();
        }
    }

    public static String format(Duration d) {
        if (d == null || d.isNegative()) {
            return "?";
        }
        long s = d.toSeconds();
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
