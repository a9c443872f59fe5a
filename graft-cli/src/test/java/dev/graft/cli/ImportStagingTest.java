package dev.graft.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 8 of issue 23: {@code graft import} stages everything (downloads, extracted files, the model
 * being built) in one folder beside {@code --out}, {@code .OUT.graft-staging}, removed at the end; one
 * left by a killed import is removed by the next import, which says so. Before, a killed import left a
 * temporary folder and {@code .OUT.staging-*} folders that nothing cleaned. Also: a killed pretraining's
 * half-written checkpoint is removed when the run is resumed.
 */
class ImportStagingTest {
    @TempDir
    static Path dir;
    static Path source;

    @BeforeAll
    static void aModelToImport() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        source = dir.resolve("source");
        ChildJvm.Result r = CliFixtures.run(CliFixtures.tinyPretrain(corpus, source, "--steps", "1"));
        assertThat(r.exit()).as(r.both()).isZero();
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aStaleStagingFolderIsRemovedAndNoneIsLeft() throws IOException {
        Path parent = Files.createDirectories(dir.resolve("models"));
        Path out = parent.resolve("imported");
        // what a kill -9 during an import leaves: the staging folder with an extracted model in it
        Path stale = parent.resolve(".imported.graft-staging");
        Files.createDirectories(stale.resolve("work"));
        Files.write(stale.resolve("work").resolve("model.onnx"), new byte[1 << 16]);
        Files.createDirectories(stale.resolve(".output.staging-abc"));

        ChildJvm.Result r = CliFixtures.run("", "import", "--from", source.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.both()).isZero();
        assertThat(r.err()).contains("removing " + stale + ", left by a import that was stopped");
        assertThat(names(parent)).containsExactly("imported");
        assertThat(names(out)).contains(".graft-run.json", "config.json", "model.safetensors", "tokenizer.json");

        // a failing import leaves nothing beside --out either
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), "{not json");
        Files.writeString(broken.resolve("model.safetensors"), "nothing");
        ChildJvm.Result bad = CliFixtures.run("", "import", "--from", broken.toString(), "--out",
                parent.resolve("other").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(names(parent)).containsExactly("imported");

        // and --force replaces an import, never another folder
        ChildJvm.Result again = CliFixtures.run("", "import", "--from", source.toString(), "--out", out.toString(),
                "--force");
        assertThat(again.exit()).as(again.both()).isZero();
        assertThat(names(parent)).containsExactly("imported");
    }

    @Test
    void aResumedRunRemovesTheHalfWrittenCheckpointOfTheKilledOne() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path run = dir.resolve("resumed");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "1")).exit()).isZero();
        Path half = Files.createDirectories(run.resolve(".checkpoint-0000002.staging-123"));
        Files.writeString(half.resolve("config.json"), "{");
        Files.writeString(run.resolve(".config.json4242.tmp"), "{");
        ChildJvm.Result r = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2", "--resume"));
        assertThat(r.exit()).as(r.both()).isZero();
        assertThat(r.both()).contains("removed 2 unfinished file(s) of a run that was stopped");
        assertThat(names(run)).noneMatch(n -> n.contains("staging") || n.endsWith(".tmp"));
    }
}
