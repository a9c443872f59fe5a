package dev.graft.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary files and folders that get the same permissions as any other file the user creates:
 * {@code 0666} and {@code 0777} less the process's umask (0644 and 0755 under the usual umask 022).
 *
 * <p>{@link Files#createTempFile} and {@link Files#createTempDirectory} make owner-only entries
 * (0600 / 0700) on purpose, for secrets in a shared {@code /tmp}. graft writes its outputs under a
 * temporary name and renames them into place, so with those methods every model, tokenizer and
 * checkpoint would be unreadable to a colleague, a server or a Spark executor. Use these instead
 * for anything that becomes an output; the names are random, the creation exclusive
 * ({@code O_EXCL}), so two writers never share one.
 */
public final class FileModes {
    private static final int ATTEMPTS = 100;

    private FileModes() {
    }

    /** Creates a new empty file {@code dir/PREFIX<random>SUFFIX} with the umask's permissions. */
    public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = dir.resolve(prefix + randomPart() + suffix);
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Creates a new empty folder {@code dir/PREFIX<random>} with the umask's permissions. */
    public static Path createTempDirectory(Path dir, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = dir.resolve(prefix + randomPart());
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static String randomPart() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    }
}
