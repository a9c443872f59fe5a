package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 1 of issue 23: everything graft writes (tokenizer.json, config.json, model.safetensors, run.json,
 * results.json, metrics, checkpoint folders, an imported model) gets the umask's modes, as any other
 * file the user makes: 0644 / 0755 under umask 022, 0640 / 0750 under 027. Before, files written
 * under a temporary name were 0600 and staged folders 0700, unreadable to a colleague or a server.
 */
class FileModesTest {
    @TempDir
    Path dir;

    @Test
    void everythingWrittenUnderUmask022IsWorldReadable() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path labeled = CliFixtures.labeled(dir, 40);
        Path outputs = dir.resolve("outputs");
        Files.createDirectories(outputs);
        List<String> args = new ArrayList<>(List.of("tokenizer", "train", "--type", "wordpiece", "--vocab-size", "80",
                "--threads", "1", "--out", outputs.resolve("tok").toString(), corpus.toString(), "::"));
        args.addAll(CliFixtures.tinyPretrain(corpus, outputs.resolve("run"), "--steps", "3", "--checkpoint-every",
                "1", "--keep-checkpoints", "2"));
        args.addAll(List.of("::", "import", "--from", outputs.resolve("run").toString(), "--out",
                outputs.resolve("imported").toString()));
        args.addAll(List.of("::", "finetune", "--task", "classify", "--from", outputs.resolve("run").toString(),
                "--train", labeled.toString(), "--epochs", "1", "--threads", "1", "--keep-training-state", "--out",
                outputs.resolve("clf").toString()));
        ChildJvm.Result r = ChildJvm.run("022", dir.resolve("logs"), 240, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.both()).isZero();

        List<Path> written = walk(outputs);
        assertThat(written).extracting(p -> outputs.relativize(p).toString())
                .contains("tok/tokenizer.json", "run/tokenizer.json", "run/config.json", "run/model.safetensors",
                        "run/run.json", "run/metrics.jsonl", "run/checkpoint-0000003/training_state/state.json",
                        "imported/config.json", "clf/results.json", "clf/run.json");
        assertModes(written, "rw-r--r--", "rwxr-xr-x");
    }

    @Test
    void aStricterUmaskIsRespected() throws Exception {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path outputs = dir.resolve("outputs");
        Files.createDirectories(outputs);
        List<String> args = new ArrayList<>(CliFixtures.tinyPretrain(corpus, outputs.resolve("run"), "--steps", "1"));
        ChildJvm.Result r = ChildJvm.run("027", dir.resolve("logs"), 120, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.both()).isZero();
        List<Path> written = walk(outputs);
        assertThat(written).extracting(p -> outputs.relativize(p).toString())
                .contains("run/tokenizer.json", "run/config.json", "run/checkpoint-0000001");
        assertModes(written, "rw-r-----", "rwxr-x---");
    }

    private static List<Path> walk(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).sorted().toList();
        }
    }

    private static void assertModes(List<Path> written, String fileMode, String folderMode) throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path p : written) {
            String want = Files.isDirectory(p) ? folderMode : fileMode;
            String got = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
            if (!got.equals(want)) {
                wrong.add(p + " is " + got + ", want " + want);
            }
        }
        assertThat(wrong).as("entries with the wrong mode").isEmpty();
    }
}
