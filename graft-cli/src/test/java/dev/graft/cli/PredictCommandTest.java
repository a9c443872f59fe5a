package dev.graft.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Item 7 of issue 23: {@code graft predict} reads its input as every other command does (file, line
 * and byte of invalid UTF-8, from a file or from standard input, never a silent U+FFFD), names a
 * missing input with its option, and writes {@code --output} through a temporary file renamed only
 * on success, so a failing input never truncates an existing output.
 */
class PredictCommandTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void fineTunedModel() throws IOException {
        Path corpus = CliFixtures.corpus(dir, 60);
        Path labeled = CliFixtures.labeled(dir, 40);
        Path pre = dir.resolve("pre");
        ChildJvm.Result p = CliFixtures.run(CliFixtures.tinyPretrain(corpus, pre, "--steps", "1"));
        assertThat(p.exit()).as(p.both()).isZero();
        model = dir.resolve("clf");
        ChildJvm.Result f = CliFixtures.run("", "finetune", "--task", "classify", "--from", pre.toString(), "--train",
                labeled.toString(), "--epochs", "1", "--threads", "1", "--out", model.toString());
        assertThat(f.exit()).as(f.both()).isZero();
    }

    private static byte[] badSecondLine() {
        return new byte[] {'a', ' ', 'g', 'o', 'o', 'd', ' ', 'f', 'i', 'l', 'm', '\n', 'b', 'a', (byte) 0xE9, 'd', '\n'};
    }

    @Test
    void invalidUtf8InAFileNamesFileLineAndByteAndKeepsTheOldOutput() throws IOException {
        Path input = Files.write(dir.resolve("bad-input.txt"), badSecondLine());
        Path output = Files.writeString(dir.resolve("kept.jsonl"), "the previous predictions\n");
        ChildJvm.Result r = CliFixtures.run("", "predict", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--threads", "1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(input.toString() + ", line 2: invalid UTF-8 at byte offset 14 (byte 0xE9)",
                "convert the file to UTF-8").doesNotContain("Input length", "--skip-bad");
        assertThat(output).hasContent("the previous predictions");
        assertNoTemporaryFiles();
    }

    @Test
    void invalidUtf8OnStandardInputIsAnErrorNotAReplacementCharacter() {
        ChildJvm.Result r = CliFixtures.run(badSecondLine(), "predict", "--model", model.toString(), "--threads", "1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("stdin, line 2: invalid UTF-8 at byte offset 14");
        assertThat(r.out()).doesNotContain("\uFFFD");
    }

    @Test
    void aMissingInputIsNamedWithItsOption() {
        Path missing = dir.resolve("no-such-input.txt");
        ChildJvm.Result r = CliFixtures.run("", "predict", "--model", model.toString(), "--input", missing.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--input " + missing + ": no such file", "standard input");
    }

    @Test
    void aGoodInputReplacesTheOutputWhole() throws IOException {
        Path input = Files.writeString(dir.resolve("good.txt"), "a great film\nawful\n", StandardCharsets.UTF_8);
        Path output = Files.writeString(dir.resolve("out.jsonl"), "old\n");
        ChildJvm.Result r = CliFixtures.run("", "predict", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString(), "--threads", "1");
        assertThat(r.exit()).as(r.both()).isZero();
        assertThat(Files.readAllLines(output)).hasSize(2).allMatch(l -> l.startsWith("{\"text\":"));
        assertNoTemporaryFiles();
    }

    private static void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }
}
