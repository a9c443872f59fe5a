package dev.graft.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Items 2 and 3 of issue 23, in this JVM: {@code --overwrite} deletes only a folder graft made (its
 * marker), a refused or invalid run writes nothing, and no run folder gets stuck (a {@code --resume}
 * without a checkpoint starts anew, saying so; every refusal names the option that works).
 */
class RunFolderTest {
    @TempDir
    Path dir;
    Path corpus;
    Path labeled;

    @BeforeEach
    void inputs() throws IOException {
        corpus = CliFixtures.corpus(dir, 60);
        labeled = CliFixtures.labeled(dir, 40);
    }

    /** A folder of the user's: a thesis and a data file graft never wrote. */
    private Path usersFolder() throws IOException {
        Path f = dir.resolve("mine");
        Files.createDirectories(f.resolve("sub"));
        Files.writeString(f.resolve("thesis.tex"), "\\documentclass{article}");
        Files.writeString(f.resolve("sub").resolve("data.csv"), "a,b\n1,2\n");
        return f;
    }

    private static void assertUntouched(Path f) throws IOException {
        try (Stream<Path> s = Files.walk(f)) {
            assertThat(s.map(p -> f.relativize(p).toString()).sorted().toList())
                    .containsExactly("", "sub", "sub/data.csv", "thesis.tex");
        }
        assertThat(Files.readString(f.resolve("thesis.tex"))).isEqualTo("\\documentclass{article}");
    }

    @Test
    void overwriteNeverDeletesAFolderGraftDidNotMake() throws IOException {
        Path mine = usersFolder();
        ChildJvm.Result pre = CliFixtures.run(CliFixtures.tinyPretrain(corpus, mine, "--steps", "1", "--overwrite"));
        assertThat(pre.exit()).isEqualTo(2);
        assertThat(pre.err()).contains(mine.toString(), "graft did not write", "even with --overwrite",
                "choose a new folder as --out");
        assertUntouched(mine);

        ChildJvm.Result ft = CliFixtures.run("", "finetune", "--task", "classify", "--arch", "bert-tiny",
                "--tokenizer", "nowhere", "--train", labeled.toString(), "--out", mine.toString(), "--overwrite");
        assertThat(ft.exit()).isEqualTo(2);
        // finetune refuses the missing tokenizer before it even looks at the folder; untouched either way
        assertThat(ft.err()).contains("nowhere");
        assertUntouched(mine);

        ChildJvm.Result lm = CliFixtures.run("", "lm-finetune", "--from", "nowhere", "--corpus", corpus.toString(),
                "--steps", "1", "--out", mine.toString(), "--overwrite");
        assertThat(lm.exit()).isEqualTo(2);
        assertUntouched(mine);

        ChildJvm.Result tok = CliFixtures.run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "300",
                "--out", mine.toString(), corpus.toString());
        assertThat(tok.exit()).isEqualTo(2);
        assertThat(tok.err()).contains("graft did not write");
        assertUntouched(mine);

        ChildJvm.Result imp = CliFixtures.run("", "import", "--from", "nowhere", "--out", mine.toString(), "--force");
        assertThat(imp.exit()).isEqualTo(2);
        assertUntouched(mine);
    }

    @Test
    void overwriteReplacesAGraftRun() throws IOException {
        Path run = dir.resolve("run");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2")).exit()).isZero();
        assertThat(run.resolve(".graft-run.json")).exists();
        ChildJvm.Result again = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2"));
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("holds a graft pretrain run",
                "continue it (--resume), start it again (--overwrite), or choose a new folder as --out");
        Files.writeString(run.resolve("stale-note.txt"), "left by the last run");
        ChildJvm.Result replaced = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "1",
                "--overwrite"));
        assertThat(replaced.exit()).as(replaced.err()).isZero();
        assertThat(run.resolve("stale-note.txt")).doesNotExist();
        assertThat(run.resolve("checkpoint-0000001")).isDirectory();
        assertThat(run.resolve("checkpoint-0000002")).doesNotExist();
    }

    @Test
    void invalidSettingsAndInputsWriteNothing() throws IOException {
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        List<List<String>> cases = List.of(
                CliFixtures.tinyPretrain(corpus, dir.resolve("a"), "--max-time", "0"),
                CliFixtures.tinyPretrain(corpus, dir.resolve("b"), "--steps", "5", "--seq-len", "1"),
                CliFixtures.tinyPretrain(corpus, dir.resolve("c"), "--steps", "5", "--log-every", "0"),
                CliFixtures.tinyPretrain(bad, dir.resolve("d"), "--steps", "5"),
                CliFixtures.tinyPretrain(dir.resolve("missing.txt"), dir.resolve("e"), "--steps", "5"),
                CliFixtures.tinyPretrain(corpus, dir.resolve("f").resolve("g").resolve("h"), "--steps", "5",
                        "--seq-len", "2"));
        List<String> messages = new ArrayList<>();
        for (List<String> args : cases) {
            ChildJvm.Result r = CliFixtures.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.both()).isEqualTo(2);
            messages.add(r.err());
            Path out = Path.of(args.get(args.indexOf("--out") + 1));
            assertThat(out).as("a refused run leaves no folder behind").doesNotExist();
            assertThat(dir.resolve("f")).as("nor the parents it made").doesNotExist();
        }
        assertThat(messages.get(0)).contains("--max-time must be more than 0, got 0s");
        assertThat(messages.get(1)).contains("--seq-len must be at least 4");
        assertThat(messages.get(2)).contains("--log-every must be > 0");
        assertThat(messages.get(3)).contains("bad.txt", "line 2", "invalid UTF-8");
        // and a good run into the same folder then just works: nothing is stuck
        ChildJvm.Result good = CliFixtures.run(CliFixtures.tinyPretrain(corpus, dir.resolve("d"), "--steps", "1"));
        assertThat(good.exit()).as(good.err()).isZero();
    }

    @Test
    void anInvalidRunIntoAnEmptyFolderLeavesItEmpty() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        ChildJvm.Result r = CliFixtures.run(CliFixtures.tinyPretrain(corpus, empty, "--steps", "5", "--seq-len", "2"));
        assertThat(r.exit()).isEqualTo(2);
        try (Stream<Path> s = Files.list(empty)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void resumeWithoutACheckpointStartsFromScratchAndSaysSo() throws IOException {
        Path run = dir.resolve("run");
        // a run stopped before its first checkpoint: marker, tokenizer, metrics, no checkpoint-*
        Files.createDirectories(run);
        Files.writeString(run.resolve(".graft-run.json"), "{\"graft\": \"run folder\", \"command\": \"pretrain\"}\n");
        Files.writeString(run.resolve("tokenizer.json"), "{}");
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\": \"train\", \"step\": 1}\n");
        ChildJvm.Result plain = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2"));
        assertThat(plain.exit()).isEqualTo(2);
        assertThat(plain.err()).contains("stopped before its first checkpoint", "(--overwrite, or --resume)");
        ChildJvm.Result resumed = CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2", "--resume"));
        assertThat(resumed.exit()).as(resumed.both()).isZero();
        assertThat(resumed.both()).contains("has no checkpoint to resume from: starting the run from scratch");
        assertThat(Files.readString(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8))
                .doesNotContain("\"step\": 1}");
        assertThat(run.resolve("checkpoint-0000002")).isDirectory();
    }

    @Test
    void tokenizerTrainRefusesEmptyInputAndFollowsTheFolderRules() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n  \n\n");
        Path out = dir.resolve("tok");
        for (Path input : List.of(empty, blank)) {
            ChildJvm.Result r = CliFixtures.run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "50",
                    "--out", out.toString(), input.toString());
            assertThat(r.exit()).as(r.both()).isEqualTo(2);
            assertThat(r.err()).contains(input.toString(), "holds no words", "give a file with text in it");
            assertThat(r.out()).doesNotContain("coverage");
            assertThat(out).doesNotExist();
        }
        String[] train = {"tokenizer", "train", "--type", "wordpiece", "--vocab-size", "50", "--threads", "1", "--out",
            out.toString(), corpus.toString()};
        assertThat(CliFixtures.run("", train).exit()).isZero();
        ChildJvm.Result again = CliFixtures.run("", train);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("holds a graft tokenizer train run", "replace it (--overwrite), or choose a new folder as --out");
        List<String> withOverwrite = new ArrayList<>(List.of(train));
        withOverwrite.add("--overwrite");
        assertThat(CliFixtures.run(withOverwrite).exit()).isZero();
        Path asFile = dir.resolve("tok2").resolve("tokenizer.json");
        ChildJvm.Result file = CliFixtures.run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "50",
                "--out", asFile.toString(), corpus.toString());
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err()).contains("names a file; give the folder", "--out " + asFile.getParent());
        assertThat(dir.resolve("tok2")).doesNotExist();
    }
}
