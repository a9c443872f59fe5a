package dev.graft.data;

import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * What a reader does with a bad record: {@link #strict()} throws a {@link BadInputException} (file,
 * line, what is wrong, what to do) at the first one; {@link #skipping()} skips it and counts it by
 * {@link Kind}, so the caller can say how many were skipped and why. Skips are never silent: a reader
 * that skipped records logs {@link #summary()} when it finishes, and the CLI prints it.
 *
 * <p>One instance collects the skips of one or more reads; it is not thread-safe.
 */
public final class BadInput {
    private static final Logger LOG = Logger.getLogger(BadInput.class.getName());
    private static final int EXAMPLES_KEPT = 5;

    /** Categories of bad input, as named in skip reports. */
    public enum Kind {
        MALFORMED_JSON("malformed JSON"),
        MISSING_FIELD("missing text or label"),
        UNKNOWN_LABEL("label not seen in training"),
        EMPTY_FILE("empty file"),
        INVALID_UTF8("invalid UTF-8"),
        WRONG_COLUMN_COUNT("wrong column count"),
        LINE_TOO_LONG("line over the length limit"),
        MALFORMED_RECORD("malformed record");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** Human-readable name, e.g. "invalid UTF-8". */
        public String description() {
            return description;
        }
    }

    /**
     * The options {@link #of} stands for, by their spec fields ({@code skipBad} and the readers' {@code textField},
     * {@code labelField}): a command that calls it has all of them. The command line prints each as its flag.
     */
    public static final List<String> COMMAND_OPTIONS = List.of("skipBad", "textField", "labelField");

    /**
     * Every field a hint may name: {@link #COMMAND_OPTIONS}, {@code pairField} (the second text of a pair)
     * and {@code tagColumn} (tagging files), so a {@link BadInputException} knows the fields its hint names.
     */
    static final List<String> HINT_FIELDS = List.of("skipBad", "textField", "labelField", "pairField", "tagColumn");

    private final boolean skip;
    private final Set<String> options;
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final List<String> examples = new ArrayList<>();

    private BadInput(boolean skip, Set<String> options) {
        this.skip = skip;
        this.options = Set.copyOf(options);
    }

    /**
     * Fail at the first bad record; the hints name no option (for a command without {@code skipBad}
     * and the column options, or an internal read).
     */
    public static BadInput strict() {
        return new BadInput(false, Set.of());
    }

    /** Skip bad records, counting them by kind (an internal read: the hints name no option). */
    public static BadInput skipping() {
        return new BadInput(true, Set.of());
    }

    /**
     * For a command that has {@code skipBad}, {@code textField} and {@code labelField}
     * ({@link #COMMAND_OPTIONS}): skips when {@code skipBad}, and the hints may name those options.
     */
    public static BadInput of(boolean skipBad) {
        return new BadInput(skipBad, Set.copyOf(COMMAND_OPTIONS));
    }

    /** This policy, its hints also naming {@code more} (fields of options the command has, e.g. "tagColumn"). */
    public BadInput offering(String... more) {
        Set<String> all = new java.util.HashSet<>(options);
        all.addAll(List.of(more));
        return new BadInput(skip, all);
    }

    /** Whether the running command has {@code option}, so a hint may name it. */
    public boolean offers(String option) {
        return options.contains(option);
    }

    /** {@code text} when the command has {@code option}, else "" (hints name only options that exist). */
    public String ifOffered(String option, String text) {
        return offers(option) ? text : "";
    }

    /** ", or skip such WHAT (skipBad)" when the command has skipBad, else "". */
    public String orSkip(String what) {
        return ifOffered("skipBad", ", or skip such " + what + " (skipBad)");
    }

    public boolean isSkipping() {
        return skip;
    }

    /** Throws {@code problem} when strict; records it when skipping. */
    public void reject(BadInputException problem) {
        if (!skip) {
            throw problem;
        }
        counts.merge(problem.kind(), 1L, Long::sum);
        if (examples.size() < EXAMPLES_KEPT) {
            examples.add(problem.withoutHint()); // what to do is to skip it, as was done
        }
    }

    /**
     * The lines of {@code file} read with this policy: a bad line (invalid UTF-8, over {@code maxLineBytes})
     * is {@linkplain #reject rejected}, so it stops the read or is skipped and counted.
     */
    public Utf8Lines lines(Path file, int maxLineBytes) throws IOException {
        return Utf8Lines.open(file, maxLineBytes, this::rejectLine);
    }

    /** The lines of {@code in}, called {@code name} in messages, read with this policy. */
    public Utf8Lines lines(Path name, InputStream in, int maxLineBytes) {
        return new Utf8Lines(name, in, maxLineBytes, this::rejectLine);
    }

    /** {@link #reject}s a bad line as a record of its kind; never keeps it. */
    private boolean rejectLine(Utf8Lines.BadLine bad) {
        reject(new BadInputException(bad.file(), bad.number(),
                bad.defect() == Utf8Lines.Defect.INVALID_UTF8 ? Kind.INVALID_UTF8 : Kind.LINE_TOO_LONG,
                bad.detail(), bad.advice() + orSkip("lines")));
        return false;
    }

    /**
     * A record without a usable field: {@code what} ("no", "an empty") {@code field}; the hint names
     * {@code option} (the command's option choosing the field) when the command has it.
     */
    BadInputException missingField(Path file, long line, String what, String field, String option) {
        return new BadInputException(file, line, Kind.MISSING_FIELD, what + " \"" + field + "\" field",
                "add it" + ifOffered(option, ", choose the field with " + option) + orSkip("records"));
    }

    /**
     * Whether {@code value} is in {@code known} (or nothing is known: training data); when not, rejects
     * the record: "NOUN 'value' was not seen in training", skipping such {@code records}.
     */
    boolean knownOrReject(LabelSet known, Path file, long line, String noun, String value, String records) {
        if (known == null || known.contains(value)) {
            return true;
        }
        reject(new BadInputException(file, line, Kind.UNKNOWN_LABEL,
                noun + " '" + value + "' was not seen in training (known: " + known.describe() + ")",
                "fix the " + noun + ", train with it" + orSkip(records)));
        return false;
    }

    /**
     * Called by readers when a file is done: no {@code records} read (e.g. "examples") is bad input
     * (the file holds only blank or bad ones), and the skips are logged.
     */
    void finishFile(Path file, boolean empty, String records, String lines, long skippedBefore) {
        if (empty) {
            reject(new BadInputException(file, 0, Kind.EMPTY_FILE,
                    "the file has no " + records + " (it is empty or holds only blank or bad " + lines + ")",
                    "check that this is the file you meant"));
        }
        logIfSkipped(file, skippedBefore);
    }

    /** How many records were skipped in total. */
    public long skipped() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Skipped records by kind, in {@link Kind} order. */
    public Map<Kind, Long> counts() {
        return Collections.unmodifiableMap(counts);
    }

    /** The first few skip messages (file, line, what was wrong). */
    public List<String> examples() {
        return List.copyOf(examples);
    }

    /** "skipped 3 bad records: 2 malformed JSON, 1 invalid UTF-8", or "no bad records". */
    public String summary() {
        long total = skipped();
        if (total == 0) {
            return "no bad records";
        }
        StringBuilder s = new StringBuilder("skipped ").append(total).append(total == 1 ? " bad record: " : " bad records: ");
        String sep = "";
        for (var e : counts.entrySet()) {
            s.append(sep).append(e.getValue()).append(' ').append(e.getKey().description());
            sep = ", ";
        }
        return s.toString();
    }

    /** Called by readers when a file is done: logs the summary when something was skipped. */
    private void logIfSkipped(Object file, long skippedBefore) {
        long now = skipped();
        if (now > skippedBefore) {
            LOG.warning(file + ": skipped " + (now - skippedBefore) + " bad record(s); first: "
                    + (examples.isEmpty() ? "?" : examples.get(0)) + " (" + summary() + ")");
        }
    }
}
