package dev.graft.data;

import java.nio.file.Path;

/**
 * Where graft keeps fetched data: {@code $GRAFT_HOME/datasets/NAME/}. The home is, in order, the
 * system property {@code graft.home} (tests set it), the environment variable {@code GRAFT_HOME}, then
 * {@code ~/.cache/graft}.
 */
public final class DataHome {
    /** System property that overrides the home directory (used by tests). */
    public static final String PROPERTY = "graft.home";
    /** Environment variable that overrides the home directory. */
    public static final String ENVIRONMENT = "GRAFT_HOME";

    private DataHome() {
    }

    /** The graft home directory. */
    public static Path home() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String e = System.getenv(ENVIRONMENT);
        if (e != null && !e.isBlank()) {
            return Path.of(e);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "graft");
    }

    /** {@code home()/datasets}. */
    public static Path datasets() {
        return home().resolve("datasets");
    }
}
