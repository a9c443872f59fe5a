package dev.graft.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An immutable list of changes to a core spec's builder, applied in the order given (a later change
 * overrides an earlier one): what the option types of this package are, so they hold no copy of a spec's
 * fields, defaults or checks. {@code B} is the builder type.
 */
final class SpecEdits<B> {
    private final List<UnaryOperator<B>> edits;

    private SpecEdits(List<UnaryOperator<B>> edits) {
        this.edits = List.copyOf(edits);
    }

    /** No change: the spec's defaults. */
    static <B> SpecEdits<B> none() {
        return new SpecEdits<>(List.of());
    }

    /** These changes and then {@code edit}. */
    SpecEdits<B> and(UnaryOperator<B> edit) {
        List<UnaryOperator<B>> all = new ArrayList<>(edits);
        all.add(edit);
        return new SpecEdits<>(all);
    }

    /** Makes every change on {@code b}, in order. */
    B applyTo(B b) {
        for (UnaryOperator<B> edit : edits) {
            edit.apply(b);
        }
        return b;
    }
}
