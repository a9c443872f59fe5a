package dev.graft.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A folder written by {@link AtomicFiles#writeDirectory} is there whole or not at all, and no staging folder stays. */
class AtomicFilesTest {
    @Test
    void aWrittenFolderReplacesTheOldOneWhole(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("sub/model");
        AtomicFiles.writeDirectory(target, f -> {
            Files.writeString(f.resolve("a.txt"), "one");
            Files.writeString(f.resolve("b.txt"), "two");
        });
        assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("one");

        AtomicFiles.writeDirectory(target, f -> Files.writeString(f.resolve("c.txt"), "three"));
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the old folder's files are gone")
                    .containsExactly("c.txt");
        }
        assertThat(entries(target.getParent())).as("nothing beside the folder").containsExactly("model");
    }

    @Test
    void aFailedWriteLeavesTheOldFolderAndNoStaging(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("model");
        AtomicFiles.writeDirectory(target, f -> Files.writeString(f.resolve("a.txt"), "old"));
        assertThatThrownBy(() -> AtomicFiles.writeDirectory(target, f -> {
            Files.writeString(f.resolve("a.txt"), "half");
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(target.resolve("a.txt"))).isEqualTo("old");
        assertThat(entries(dir)).as("the staging folder was removed").containsExactly("model");

        Path fresh = dir.resolve("fresh");
        assertThatThrownBy(() -> AtomicFiles.writeDirectory(fresh, f -> {
            throw new IOException("no");
        })).hasMessage("no");
        assertThat(fresh).doesNotExist();
        assertThat(entries(dir)).containsExactly("model");
    }

    private static java.util.List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
