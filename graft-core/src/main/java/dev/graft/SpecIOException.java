package dev.graft;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An {@link IOException} whose advice names spec fields, as a {@link SpecException} does: a file or folder
 * a run cannot use, and the field that chooses another ({@code "... is in use by another run: choose
 * another out"}), or the field that tells graft what the file does not ({@code "give heads"}). The
 * command line prints it with each field replaced by its flag ({@link #messageWith}); callers that catch
 * {@code IOException} keep doing so.
 */
public class SpecIOException extends IOException {
    private final List<String> fields;

    /**
     * @param fields  the spec fields the message names, each written in {@code message} exactly as given
     * @param message what is wrong and what to do, naming every field in {@code fields}
     */
    public SpecIOException(List<String> fields, String message) {
        super(message);
        this.fields = SpecException.checkNamed(fields, message);
    }

    /** A message naming one field. */
    public SpecIOException(String field, String message) {
        this(List.of(Objects.requireNonNull(field)), message);
    }

    /** The spec fields this message names, in the order given. */
    public List<String> fields() {
        return fields;
    }

    /** The message with each field replaced by what {@code nameOf} calls it, as {@link SpecException#messageWith}. */
    public String messageWith(Function<String, String> nameOf) {
        return SpecException.replaceFields(getMessage(), fields, nameOf);
    }
}
