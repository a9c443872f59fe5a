package dev.graft.data;

import dev.graft.io.Sha256;
import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * Users' files: names stripped of {@code .gz} and their extensions; SHA-256 of a file (downloads,
 * caches, provenance). They are read through {@link Utf8Lines}.
 */
public final class DataFiles {
    /** Lines longer than this (in bytes, without the line break) are bad input: 1 MiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = Utf8Lines.DEFAULT_MAX_LINE_BYTES;

    private DataFiles() {
    }

    /** The file name in lower case without a trailing {@code .gz}: "train.jsonl.gz" gives "train.jsonl". */
    public static String baseName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    /** The extension of {@link #baseName}, without the dot: "jsonl", "csv", "" when none. */
    public static String extension(Path file) {
        String base = baseName(file);
        int dot = base.lastIndexOf('.');
        return dot < 0 ? "" : base.substring(dot + 1);
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = Sha256.digest();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
            return Sha256.hex(sha);
        }
    }
}
