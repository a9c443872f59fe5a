package dev.graft.cli;

import dev.graft.io.RunLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16, "core errors name spec fields, the CLI translates them to flags": messages written in graft-core
 * name the spec fields a library caller sets ({@code out}, {@code learningRate}, {@code textField}, ...), and
 * each reaches the terminal of a real command ({@link Main#run}: {@code Main.commandLine(args).execute(args)})
 * with the command's flags in their place. One message from each package that writes such errors, each
 * checked word for word around the flags, and without the field names left over.
 */
class CoreErrorFlagsTest {
    @TempDir
    static Path shared;
    private static Path corpus;
    private static Path labeled;
    private static Path wordpiece;

    @TempDir
    Path dir;

    @BeforeAll
    static void inputs() throws IOException {
        corpus = CliFixtures.corpus(shared, 60);
        labeled = CliFixtures.labeled(shared, 20);
        wordpiece = shared.resolve("wordpiece");
        ChildJvm.Result tok = CliFixtures.run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "100",
                "--threads", "1", "--out", wordpiece.toString(), corpus.toString());
        assertThat(tok.exit()).as(tok.both()).isZero();
    }

    /** Refused with exit 2 and one "graft: " line on stderr (no stack trace); returns that line. */
    private static String refused(List<String> args) {
        ChildJvm.Result r = CliFixtures.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.both()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
        List<String> lines = r.err().lines().filter(l -> l.startsWith("graft: ")).toList();
        assertThat(lines).as(r.err()).hasSize(1);
        return lines.get(0);
    }

    private static String refused(String... args) {
        return refused(List.of(args));
    }

    @Test
    void ioRunFolderNamesOut() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "a file");
        String err = refused(CliFixtures.tinyPretrain(corpus, file, "--steps", "1"));
        assertThat(err).contains(file + " is a file, not a folder: --out must be a folder (a new one, or one graft "
                + "pretrain made before)");
    }

    @Test
    void ioRunLockNamesOutThoughItIsAnIOException() throws IOException {
        Path busy = Files.createDirectories(dir.resolve("busy"));
        try (RunLock lock = RunLock.acquire(busy, "pretrain", new PrintStream(new ByteArrayOutputStream()))) {
            String err = refused(CliFixtures.tinyPretrain(corpus, busy, "--steps", "1"));
            assertThat(err).contains(busy + " is in use by this process (pid ",
                    "two runs must not write into one folder. Wait for that run to finish (or stop it), or give this pretrain another folder as --out");
            assertThat(lock).isNotNull();
        }
    }

    @Test
    void ioRunFolderOfferingResumeAndOverwrite() throws IOException {
        Path run = dir.resolve("run");
        assertThat(CliFixtures.run(CliFixtures.tinyPretrain(corpus, run, "--steps", "2")).exit()).isZero();
        String err = refused(CliFixtures.tinyPretrain(corpus, run, "--steps", "2"));
        assertThat(err).contains(run + " holds a graft pretrain run (newest checkpoint: checkpoint-",
                "): continue it (--resume), start it again (--overwrite), or choose a new folder as --out")
                .doesNotContain("(resume)", "(overwrite)");
    }

    @Test
    void dataHintsNameTheColumnAndSkipFlags() throws IOException {
        Path f = Files.writeString(dir.resolve("m.jsonl"), "{\"label\": \"x\"}\n");
        String err = refused("data", "check", "--kind", "classification", f.toString());
        assertThat(err).isEqualTo("graft: " + f + ", line 1: no \"text\" field. add it, choose the field with "
                + "--text-column, or skip such records (--skip-bad)");
        // finetune's columns are the ColumnOptions mixin's: --text-column through its descriptionKey
        Path csv = Files.writeString(dir.resolve("r.csv"), "review,label\ngood,pos\n");
        String ft = refused("finetune", "--task", "classify", "--arch", "bert-tiny", "--tokenizer",
                wordpiece.toString(), "--train", csv.toString(),
                "--epochs", "1", "--threads", "1", "--out", dir.resolve("ft").toString());
        assertThat(ft).contains(csv + ", line 1: the header has no column 'text' (columns: review, label). name the "
                + "right column with --text-column");
    }

    @Test
    void vectorsNameDimAndMinCount() {
        String err = refused("vectors", "train", "--method", "ppmi-svd", "--corpus", corpus.toString(), "--dim", "500",
                "--min-count", "1", "--threads", "1", "--out", dir.resolve("v").toString());
        assertThat(err).contains("--dim 500 is larger than the ", " units trained (seen at least 1 times in ",
                "choose --dim at most ", ", lower --min-count, or give more text").doesNotContain("minCount");
    }

    @Test
    void vectorsTokenizerFolderWithoutTheFileIsAnIOExceptionNamingTheFlag() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("tok"));
        String err = refused("vectors", "train", "--method", "sgns", "--corpus", corpus.toString(), "--dim", "4",
                "--tokenizer", empty.toString(), "--threads", "1", "--out", dir.resolve("v").toString());
        assertThat(err).contains("--tokenizer " + empty + ": no tokenizer.json there; give the file or a folder "
                + "holding one");
    }

    @Test
    void tokenizerCorpusNamesReplaceInvalidUtf8() throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        String err = refused("tokenizer", "train", "--type", "wordpiece", "--vocab-size", "50", "--threads", "1",
                "--out", dir.resolve("t").toString(), latin1.toString());
        assertThat(err).contains(latin1 + ": invalid UTF-8 at byte 3 (line 1); convert the file to UTF-8 (e.g. iconv "
                + "-f latin1 -t utf-8) or use --replace-invalid-utf8 to read bad bytes as U+FFFD");
    }

    @Test
    void finetuneSetFitNamesRecipeFromAndArch() {
        String err = refused("finetune", "--task", "classify", "--recipe", "setfit", "--arch", "bert-tiny",
                "--tokenizer", wordpiece.toString(), "--train",
                labeled.toString(), "--threads", "1", "--out", dir.resolve("sf").toString());
        assertThat(err).contains("--recipe setfit tunes a pretrained encoder: give its folder as --from (e.g. a model "
                + "imported with graft import, or one a pretraining run wrote), not --arch");
    }

    @Test
    void lmFinetuneNamesResumeAndOverwrite() {
        String err = refused("lm-finetune", "--from", dir.resolve("nowhere").toString(), "--corpus",
                corpus.toString(), "--steps", "1", "--resume", "--overwrite", "--out", dir.resolve("lm").toString());
        assertThat(err).isEqualTo("graft: --resume and --overwrite contradict each other: choose one");
    }

    @Test
    void distillNamesTeacherThoughItIsAnIOException() {
        Path nowhere = dir.resolve("no-teacher");
        String err = refused("distill", "--teacher", nowhere.toString(), "--corpus", corpus.toString(), "--steps",
                "1", "--threads", "1", "--out", dir.resolve("d").toString());
        assertThat(err).contains(nowhere + " does not exist: --teacher takes a checkpoint folder (config.json, "
                + "model.safetensors, tokenizer.json), e.g. one written by graft import (see graft models)");
    }

    @Test
    void trainerNamesLearningRateAndSkipNonFinite() {
        String err = refused(CliFixtures.tinyPretrain(corpus, dir.resolve("nan"), "--steps", "4", "--lr", "1e30",
                "--warmup", "0", "--checkpoint-every", "1"));
        assertThat(err).contains("the loss became ", "; the last good checkpoint is ",
                ". Lower --lr, or set --skip-nonfinite to skip such steps")
                .doesNotContain("learningRate", "skipNonFinite");
    }

    @Test
    void pretrainNamesTrainTokenizerForATokenizerWithoutMask() throws IOException {
        Path bpe = dir.resolve("bpe");
        ChildJvm.Result tok = CliFixtures.run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "300",
                "--threads", "1", "--out", bpe.toString(), corpus.toString());
        assertThat(tok.exit()).as(tok.both()).isZero();
        String err = refused(CliFixtures.tinyPretrain(corpus, dir.resolve("p"), "--steps", "1", "--tokenizer",
                bpe.toString()));
        assertThat(err).contains("masked LM needs [PAD], [CLS], [SEP] and [MASK] in the tokenizer's vocabulary; "
                + "train one with --train-tokenizer wordpiece");
    }

    @Test
    void experimentNamesDataButNotTheCommandGraftDataList() {
        String err = refused("experiment", "--task", "classify", "--data", "no-such-dataset", "--corpus",
                corpus.toString(), "--strategies", "scratch", "--budgets", "10", "--seeds", "1", "--threads", "1",
                "--out", dir.resolve("x").toString());
        assertThat(err).contains("--data no-such-dataset is not a dataset name (graft data list); for your own files "
                + "give two: --data ");
    }
}
