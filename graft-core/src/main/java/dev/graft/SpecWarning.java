package dev.graft;

import java.util.List;
import java.util.function.Function;

/**
 * A run that succeeded but should be looked at, said as {@link SpecException} says an error: naming the spec
 * fields a caller changes to do better ({@code "choose by cross-validation instead (folds 3)"}), which the
 * command line prints as its flags ({@link #messageWith}).
 *
 * @param fields  the spec fields the message names, each written in it exactly as given
 * @param message what looks wrong and what to do
 */
public record SpecWarning(List<String> fields, String message) {
    public SpecWarning {
        fields = SpecException.checkNamed(fields, message);
    }

    /** The message with each field replaced by what {@code nameOf} calls it, as {@link SpecException#messageWith}. */
    public String messageWith(Function<String, String> nameOf) {
        return SpecException.replaceFields(message, fields, nameOf);
    }
}
