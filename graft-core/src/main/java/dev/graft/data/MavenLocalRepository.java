package dev.graft.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code mvn} keeps downloaded artifacts: {@code -Dmaven.repo.local} in {@code MAVEN_OPTS} or
 * {@code MAVEN_ARGS}, else the {@code <localRepository>} of {@code ~/.m2/settings.xml}, else
 * {@code ~/.m2/repository}. Used only to watch a download's progress; a wrong guess costs the
 * progress lines, nothing else.
 */
final class MavenLocalRepository {
    private static final Pattern OPTION = Pattern.compile("-Dmaven\\.repo\\.local=(\\S+)");
    private static final Pattern SETTING = Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>");

    private MavenLocalRepository() {
    }

    static Path locate() {
        Path home = Path.of(System.getProperty("user.home"));
        return locate(System.getenv("MAVEN_OPTS"), System.getenv("MAVEN_ARGS"), home);
    }

    static Path locate(String mavenOpts, String mavenArgs, Path home) {
        for (String env : new String[] {mavenArgs, mavenOpts}) {
            if (env != null) {
                Matcher m = OPTION.matcher(env);
                if (m.find()) {
                    return expand(m.group(1), home);
                }
            }
        }
        Path settings = home.resolve(".m2").resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                Matcher m = SETTING.matcher(Files.readString(settings));
                if (m.find()) {
                    return expand(m.group(1), home);
                }
            } catch (IOException | RuntimeException e) {
                // unreadable settings: fall back to the default
            }
        }
        return home.resolve(".m2").resolve("repository");
    }

    private static Path expand(String path, Path home) {
        String p = path.replace("${user.home}", home.toString());
        return p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
    }
}
