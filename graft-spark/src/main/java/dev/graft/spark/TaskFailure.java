package dev.graft.spark;

import dev.graft.SpecException;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error on an executor that graft explains (a model folder missing on that machine, a bad input row):
 * Spark reports a failed task to the driver as a long message with the executor's stack trace; {@link #explain}
 * finds graft's sentence in it again, so that the driver's error is that sentence.
 */
public final class TaskFailure extends RuntimeException {
    static final String MARK = "graft-spark: ";
    /** MARK, the spec fields the sentence names in brackets when it names any ("[learningRate] "), the sentence. */
    private static final Pattern IN_MESSAGE = Pattern.compile(Pattern.quote(MARK) + "(?:\\[([\\w.,]+)] )?([^\\n]*)");

    public TaskFailure(String message, Throwable cause) {
        this(List.of(), message, cause);
    }

    /**
     * An explanation naming spec fields ({@code learningRate}), as a {@link SpecException} would: the driver's error
     * ({@link #explained}) is a SpecException naming them, which the command line prints with its flags.
     */
    public TaskFailure(List<String> fields, String message, Throwable cause) {
        super(MARK + (fields.isEmpty() ? "" : "[" + String.join(",", fields) + "] ") + message, cause);
    }

    /** graft's explanation of a job's failure, if an executor gave one; else null. */
    public static String explain(Throwable t) {
        Matcher m = find(t);
        return m == null ? null : m.group(2);
    }

    /**
     * The driver's error for a job that failed with {@code t}: graft's explanation, if an executor gave one, as an
     * {@link IllegalArgumentException} caused by {@code t} (a {@link SpecException} when it names spec fields); else
     * null.
     */
    public static IllegalArgumentException explained(Throwable t) {
        Matcher m = find(t);
        if (m == null) {
            return null;
        }
        IllegalArgumentException e = m.group(1) == null ? new IllegalArgumentException(m.group(2))
                : new SpecException(List.of(m.group(1).split(",")), m.group(2));
        e.initCause(t);
        return e;
    }

    private static Matcher find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                Matcher m = IN_MESSAGE.matcher(c.getMessage());
                if (m.find()) {
                    return m;
                }
            }
        }
        return null;
    }
}
