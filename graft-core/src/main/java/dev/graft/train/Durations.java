package dev.graft.train;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The one reader of time budgets (--max-time, --pretrain-time, a config file's pretrain_time). */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([hms])");

    private Durations() {
    }

    /**
     * "90s", "20m", "1h30m", "1.5h", bare seconds ("600"), or an ISO-8601 duration ("PT20M", as run files
     * write it).
     *
     * @throws IllegalArgumentException for anything else, naming the value and the forms accepted
     */
    public static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.startsWith("pt")) {
            try {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw notADuration(value);
            }
        }
        Matcher m = PART.matcher(v);
        double seconds = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                default -> n;
            };
            end = m.end();
        }
        if (end != v.length() || end == 0) {
            throw notADuration(value);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** {@code d} as {@link #parse} reads it and a user writes it: "20m", "1h30m", "90s" ("1m30s"), "0.5s". */
    public static String format(Duration d) {
        long millis = d.toMillis();
        if (millis < 0) {
            throw new IllegalArgumentException("a negative duration: " + d);
        }
        long s = millis / 1000;
        StringBuilder sb = new StringBuilder();
        if (s >= 3600) {
            sb.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            sb.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0 || millis % 1000 != 0 || sb.isEmpty()) {
            sb.append(millis % 1000 == 0 ? String.valueOf(s % 60)
                    : java.math.BigDecimal.valueOf(millis % 60_000, 3).stripTrailingZeros().toPlainString()).append('s');
        }
        return sb.toString();
    }

    private static IllegalArgumentException notADuration(String value) {
        return new IllegalArgumentException("'" + value + "' is not a duration: write e.g. 90s, 20m, 1h30m");
    }
}
