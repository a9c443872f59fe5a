package dev.graft.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How far a download by a registry client has come, read from the outside: the client writes into a
 * folder graft can look at (Maven's local repository), so the bytes of the files growing there are the
 * bytes downloaded. Reports the bytes, the share of the expected size (when the {@link Source} records
 * it), the rate since the previous report and the time left at that rate.
 */
final class DownloadWatch {
    private final Path folder;
    private final String prefix;
    private final String what;
    private final long expected;
    private final long startNanos;
    private long lastBytes;
    private long lastNanos;

    /**
     * @param folder   where the client writes the file (it may not exist yet)
     * @param prefix   the file's name, or the start of its temporary names
     * @param what     the package, as the report names it
     * @param expected the file's size in bytes, or -1
     */
    DownloadWatch(Path folder, String prefix, String what, long expected, long startNanos) {
        this.folder = folder;
        this.prefix = prefix;
        this.what = what;
        this.expected = expected;
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
    }

    /**
     * A Maven artifact downloaded by {@code mvn dependency:copy}: it lands in
     * {@code REPOSITORY/group/path/artifact/version/} as a temporary file next to the final jar.
     */
    static DownloadWatch maven(Path repository, Source source) {
        String[] ga = source.name().split(":");
        if (ga.length != 2) {
            return null;
        }
        Path folder = repository.resolve(ga[0].replace('.', '/')).resolve(ga[1]).resolve(source.version());
        return new DownloadWatch(folder, ga[1] + "-" + source.version() + ".jar", source.describe(), source.bytes(),
                System.nanoTime());
    }

    /** The bytes of the file and of its temporary forms now in the folder. */
    long bytes() {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long total = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                boolean temporary = name.endsWith(".tmp") || name.endsWith(".part");
                if ((name.equals(prefix) || (temporary && (name.startsWith(prefix) || name.startsWith("aether-"))))
                        && Files.isRegularFile(f)) {
                    total += Files.size(f);
                }
            }
        } catch (IOException e) {
            return total; // the client renamed or removed a file while we looked: count it next time
        }
        return total;
    }

    /** One line on the download's progress, or null while no byte has arrived. */
    String progress(long nowNanos) {
        long b = bytes();
        if (b <= 0) {
            return null;
        }
        double seconds = Math.max(1e-3, (nowNanos - lastNanos) / 1e9);
        double rate = lastBytes == 0 && lastNanos == startNanos ? b / Math.max(1e-3, (nowNanos - startNanos) / 1e9)
                : (b - lastBytes) / seconds;
        lastBytes = b;
        lastNanos = nowNanos;
        StringBuilder sb = new StringBuilder("downloading ").append(what).append(": ").append(mb(b));
        if (expected > 0) {
            sb.append(" of ").append(mb(expected)).append(String.format(Locale.ROOT, " (%.0f%%)",
                    Math.min(100.0, 100.0 * b / expected)));
        }
        sb.append(String.format(Locale.ROOT, ", %.1f MB/s", rate / 1e6));
        if (expected > 0 && rate > 0 && b < expected) {
            sb.append(", about ").append(Math.round(Math.ceil((expected - b) / rate))).append(" s left");
        }
        return sb.toString();
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
