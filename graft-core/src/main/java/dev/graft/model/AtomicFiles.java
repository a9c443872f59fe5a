package dev.graft.model;

import dev.graft.io.FileModes;
import dev.graft.io.RunFolder;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes that never leave a half-written file or folder under the real name: temp name, fsync, rename. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code text} (UTF-8) to {@code file} atomically. */
    public static void writeString(Path file, String text) throws IOException {
        writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = FileModes.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            move(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames atomically where the file system allows it, replacing the target. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Forces a directory's entries to disk (best effort: not every file system allows it). */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // directories cannot be opened for sync on some platforms; the renames are still atomic
        }
    }

    /** What fills a folder: the files it writes into {@code folder}. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path folder) throws IOException;
    }

    /**
     * Writes a folder whole or not at all: {@code contents} fills a staging folder beside {@code target}
     * ({@code .NAME.staging-*}), which is then published as {@code target} ({@link #publishDirectory}, replacing
     * an existing one); the staging folder is gone afterwards, whether the writing succeeded or threw.
     */
    public static void writeDirectory(Path target, Contents contents) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staged = FileModes.createTempDirectory(parent, "." + target.getFileName() + ".staging-");
        try {
            contents.writeInto(staged);
            publishDirectory(staged, target);
        } finally {
            deleteRecursively(staged);
        }
    }

    /**
     * Publishes a fully written folder {@code staged} as {@code target}: an existing target is
     * first renamed aside and deleted only after the new one is in place.
     */
    public static void publishDirectory(Path staged, Path target) throws IOException {
        syncDirectory(staged);
        Path parent = target.toAbsolutePath().getParent();
        if (Files.exists(target)) {
            Path aside = parent.resolve("." + target.getFileName() + ".old-" + System.nanoTime());
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(aside);
        } else {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        }
        syncDirectory(parent);
    }

    /** Deletes a file or a folder with everything in it ({@link RunFolder#deleteRecursively}). */
    public static void deleteRecursively(Path dir) throws IOException {
        RunFolder.deleteRecursively(dir);
    }
}
