package dev.graft.data;

import java.util.Locale;

/** The three fixed splits of a fetched dataset. */
public enum Split {
    TRAIN, DEV, TEST;

    /** "train", "dev", "test": the file stem and the name used in {@code NAME:split}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

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
