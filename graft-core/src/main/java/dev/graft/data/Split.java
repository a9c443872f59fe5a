package dev.graft.data;

import dev.graft.Named;

import java.util.Locale;

/** The three fixed splits of a fetched dataset. */
public enum Split implements Named {
    TRAIN, DEV, TEST;

    /** Parses "train", "dev" (or "validation"), "test"; anything else is an error naming the choices. */
    public static Split parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "train" -> TRAIN;
            case "dev", "validation", "valid" -> DEV;
            case "test" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + s + "': use train, dev or test");
        };
    }
}
