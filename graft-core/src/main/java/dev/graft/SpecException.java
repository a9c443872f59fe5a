package dev.graft;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spec (or option) value that cannot run, named by its spec field: {@code
 * "optimizer.learningRate must be > 0, got -0.001"}. A library caller reads the field as it
 * appears in the spec records it built; the command line translates each field into the flag that
 * sets it ({@link #messageWith}), so the same check reads {@code "--lr must be > 0, got -0.001"}
 * there. Errors about a file's contents stay {@code dev.graft.data.BadInput} (file and line).
 */
public class SpecException extends IllegalArgumentException {
    private final List<String> fields;

    /**
     * @param fields  the spec fields the message names, each written in {@code message} exactly
     *                as given here (dotted paths for nested specs, e.g. {@code "run.maxTime"})
     * @param message what is wrong and what to do, naming every field in {@code fields}
     */
    public SpecException(List<String> fields, String message) {
        super(message);
        this.fields = checkNamed(fields, message);
    }

    /** A message naming one field. */
    public SpecException(String field, String message) {
        this(List.of(Objects.requireNonNull(field)), message);
    }

    /** Fails with "{@code field} must be > 0, got {@code value}" unless {@code value} is positive. */
    public static void positive(String field, double value) {
        if (!(value > 0)) {
            throw new SpecException(field, field + " must be > 0, got " + format(value));
        }
    }

    /** Fails with "{@code field} must be >= 0, got {@code value}" when {@code value} is negative. */
    public static void nonNegative(String field, double value) {
        if (!(value >= 0)) {
            throw new SpecException(field, field + " must be >= 0, got " + format(value));
        }
    }

    /** Fails with "{@code field} must be >= {@code min}, got {@code value}" when {@code value} is below {@code min}. */
    public static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new SpecException(field, field + " must be >= " + min + ", got " + value);
        }
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** The spec fields this message names, in the order given. */
    public List<String> fields() {
        return fields;
    }

    /**
     * The message with each field replaced by what {@code nameOf} calls it (the command line's
     * flag); a field {@code nameOf} maps to null stays as it is. Only whole names are replaced:
     * {@code lr} does not touch {@code lrMultiplier}, {@code out} does not touch the paths {@code
     * runs/out} or {@code out.txt}, and {@code data} does not touch the command {@code graft data list}.
     */
    public String messageWith(Function<String, String> nameOf) {
        return replaceFields(getMessage(), fields, nameOf);
    }

    /** {@code fields}, copied, after checking that {@code message} names each of them. */
    static List<String> checkNamed(List<String> fields, String message) {
        List<String> copy = List.copyOf(fields);
        for (String f : copy) {
            if (!message.contains(f)) {
                throw new IllegalStateException("SpecException message does not name its field " + f + ": " + message);
            }
        }
        return copy;
    }

    /** {@code message} with each of {@code fields} replaced by what {@code nameOf} calls it (see {@link #messageWith}). */
    static String replaceFields(String message, List<String> fields, Function<String, String> nameOf) {
        String out = message;
        // longest first, so "run.maxTime" is replaced before a field "maxTime"
        List<String> ordered = fields.stream().distinct()
                .sorted((a, b) -> Integer.compare(b.length(), a.length())).toList();
        for (String f : ordered) {
            String name = nameOf.apply(f);
            if (name != null) {
                // not inside a longer name, a dotted path, a file name or a path ("runs/out", "out.txt"),
                // nor a command's name ("graft data list")
                Pattern p = Pattern.compile("(?<![\\w./\\\\-])(?<!graft )" + Pattern.quote(f) + "(?![\\w/\\\\-]|\\.\\w)");
                out = p.matcher(out).replaceAll(Matcher.quoteReplacement(name));
            }
        }
        return out;
    }
}
