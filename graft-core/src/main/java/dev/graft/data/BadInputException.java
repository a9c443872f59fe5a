package dev.graft.data;

import dev.graft.SpecException;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A record of a user's file that graft cannot read: says which file, which line, what is wrong and
 * what to do. A {@link SpecException} (so an {@link IllegalArgumentException}) whose fields are the options
 * its hint names ({@code skipBad}, {@code textField}, ...): the CLI prints {@code graft: <message>} with
 * each of them as its flag, and exits with code 2.
 */
public final class BadInputException extends SpecException {
    private final transient Path file;
    private final long line;
    private final BadInput.Kind kind;
    private final String detail;

    /**
     * @param file   the file being read
     * @param line   1-based line number where the bad record starts, or 0 when it concerns the whole file
     * @param kind   the category (reported in skip summaries)
     * @param detail what is wrong, e.g. "no \"label\" field"
     * @param hint   what to do about it, e.g. "add the field or choose another with labelField" (the fields of
     *               {@link BadInput#HINT_FIELDS} it names are this exception's {@link #fields()})
     */
    public BadInputException(Path file, long line, BadInput.Kind kind, String detail, String hint) {
        super(fieldsNamed(hint), format(file, line, detail, hint));
        this.file = file;
        this.line = line;
        this.kind = kind;
        this.detail = detail;
    }

    private static List<String> fieldsNamed(String hint) {
        if (hint == null) {
            return List.of();
        }
        return BadInput.HINT_FIELDS.stream()
                .filter(f -> Pattern.compile("(?<![\\w.-])" + f + "(?![\\w-])").matcher(hint).find()).toList();
    }

    private static String format(Path file, long line, String detail, String hint) {
        StringBuilder s = new StringBuilder().append(file);
        if (line > 0) {
            s.append(", line ").append(line);
        }
        s.append(": ").append(detail);
        if (hint != null && !hint.isEmpty()) {
            s.append(". ").append(hint);
        }
        return s.toString();
    }

    /** The message without its hint: file, line and what is wrong. */
    String withoutHint() {
        return format(file, line, detail, null);
    }

    public Path file() {
        return file;
    }

    /** 1-based line number where the bad record starts; 0 when the problem is the whole file. */
    public long line() {
        return line;
    }

    public BadInput.Kind kind() {
        return kind;
    }

    /** What is wrong, without file, line or hint. */
    public String detail() {
        return detail;
    }
}
