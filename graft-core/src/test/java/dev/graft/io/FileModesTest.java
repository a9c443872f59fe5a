package dev.graft.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The temporary entries get the modes of ordinary ones (the umask's), unlike {@link Files#createTempFile}. */
class FileModesTest {
    @TempDir
    Path dir;

    @Test
    void temporaryFilesAndFoldersHaveTheUmasksModes() throws Exception {
        Path plainFile = Files.createFile(dir.resolve("plain"));
        Path plainFolder = Files.createDirectory(dir.resolve("plain-dir"));
        Path file = FileModes.createTempFile(dir, ".x", ".tmp");
        Path folder = FileModes.createTempDirectory(dir, ".x.staging-");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plainFile));
        assertThat(Files.getPosixFilePermissions(folder)).isEqualTo(Files.getPosixFilePermissions(plainFolder));
        assertThat(file.getFileName().toString()).startsWith(".x").endsWith(".tmp");
        assertThat(folder.getFileName().toString()).startsWith(".x.staging-");
        assertThat(FileModes.createTempFile(dir, ".x", ".tmp")).isNotEqualTo(file);
    }
}
