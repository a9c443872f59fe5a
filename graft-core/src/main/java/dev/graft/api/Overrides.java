package dev.graft.api;

import java.util.function.Consumer;

/** How an options record reaches its core spec's builder: a null option keeps the spec's default. */
final class Overrides {
    private Overrides() {
    }

    /** Passes {@code value} to {@code setter} when it is given (not null). */
    static <T> void ifGiven(T value, Consumer<? super T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
