package dev.graft.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error on an executor that graft explains (a model folder missing on that machine, a bad input row):
 * Spark reports a failed task to the driver as a long message with the executor's stack trace; {@link #explain}
 * finds graft's sentence in it again, so that the driver's error is that sentence.
 */
public final class TaskFailure extends RuntimeException {
    static final String MARK = "graft-spark: ";
    private static final Pattern IN_MESSAGE = Pattern.compile(Pattern.quote(MARK) + "([^\\n]*)");

    public TaskFailure(String message, Throwable cause) {
        super(MARK + message, cause);
    }

    /** graft's explanation of a job's failure, if an executor gave one; else null. */
    public static String explain(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                Matcher m = IN_MESSAGE.matcher(c.getMessage());
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }
}
