package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft tokenizer train|encode|decode}: output formats, and bad input as exit 2 with no output file. */
class TokenizerCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    private Path corpus() throws IOException {
        Path f = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append("In the beginning God created the heaven and the earth. Line ").append(i).append(".\n");
            sb.append("And the earth was without form, and void; café naïve 中文.\n");
        }
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void trainThenEncodeAndDecode() throws IOException {
        Path out = dir.resolve("bpe");
        Run train = run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--out", out.toString(),
                corpus().toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("vocabulary: 300 tokens (BPE").contains("coverage: 100.00%")
                .contains("time: ").contains("wrote " + out.resolve("tokenizer.json"));
        Run ids = run("the earth\ncafé\n", "tokenizer", "encode", "--tokenizer", out.toString());
        assertThat(ids.exit()).isZero();
        String[] lines = ids.out().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).matches("[0-9]+( [0-9]+)*");
        Run decoded = run(ids.out(), "tokenizer", "decode", "--tokenizer", out.resolve("tokenizer.json").toString());
        assertThat(decoded.out()).isEqualTo("the earth\ncafé\n");
        Run tokens = run("the earth\n", "tokenizer", "encode", "--tokenizer", out.toString(), "--tokens");
        assertThat(tokens.out().trim()).contains("Ġ");
        Run json = run("the earth\n", "tokenizer", "encode", "--tokenizer", out.toString(), "--json");
        assertThat(json.out()).startsWith("{\"ids\":[").contains("\"offsets\":[[0,").contains("\"words\":[0,");
    }

    @Test
    void wordPieceAddsSpecialTokensOnlyWhenAsked() throws IOException {
        Path out = dir.resolve("wp");
        Run train = run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "200", "--lowercase",
                "--out", out.toString(), corpus().toString());
        assertThat(train.exit()).as(train.err()).isZero();
        Path input = dir.resolve("in.txt");
        Files.writeString(input, "The Earth\n");
        Run plain = run("", "tokenizer", "encode", "--tokenizer", out.toString(), "--tokens", "--input", input.toString());
        assertThat(plain.out().trim()).isEqualTo("the earth");
        Run special = run("", "tokenizer", "encode", "--tokenizer", out.toString(), "--tokens", "--add-special-tokens",
                "--input", input.toString());
        assertThat(special.out().trim()).isEqualTo("[CLS] the earth [SEP]");
    }

    @Test
    void unigramTrainsEncodesAndDecodes() throws IOException {
        Path out = dir.resolve("unigram");
        Run train = run("", "tokenizer", "train", "--type", "unigram", "--vocab-size", "97", "--out", out.toString(),
                corpus().toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("vocabulary: 97 tokens (Unigram").contains("pieces of 2+ characters")
                .contains("special <s> <pad> </s> <unk> <mask>").contains("coverage: 100.00%");
        Run tokens = run("the earth\n", "tokenizer", "encode", "--tokenizer", out.toString(), "--tokens",
                "--add-special-tokens");
        assertThat(tokens.out().trim()).isEqualTo("<s> ▁the ▁earth </s>");
        Run ids = run("In the beginning, café 中文.\n", "tokenizer", "encode", "--tokenizer", out.toString());
        Run decoded = run(ids.out(), "tokenizer", "decode", "--tokenizer", out.toString());
        assertThat(decoded.out()).isEqualTo("In the beginning, café 中文.\n");
    }

    @Test
    void badInputIsExitTwoWithAOneLineMessageAndNoOutputFile() throws IOException {
        Path out = dir.resolve("out");
        Path missing = dir.resolve("missing.txt");
        Run r1 = run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--out", out.toString(),
                missing.toString());
        assertThat(r1.exit()).isEqualTo(2);
        assertThat(r1.err()).startsWith("graft: ").contains(missing.toString()).contains("not found");

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        Run r2 = run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "300", "--out", out.toString(),
                latin1.toString());
        assertThat(r2.exit()).isEqualTo(2);
        assertThat(r2.err()).contains(latin1 + ": invalid UTF-8 at byte 6 (line 2)").contains("--replace-invalid-utf8");
        assertThat(r2.err().strip().lines()).hasSize(1);
        Run r2b = run("", "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "300", "--replace-invalid-utf8",
                "--out", out.toString(), latin1.toString());
        assertThat(r2b.exit()).isZero();
        Files.delete(out.resolve("tokenizer.json"));

        Run r3 = run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "100", "--out", out.toString(),
                corpus().toString());
        assertThat(r3.exit()).isEqualTo(2);
        assertThat(r3.err()).contains("vocabulary size 100 is smaller than the byte-level alphabet")
                .contains("at least 258");

        Run r4 = run("", "tokenizer", "train", "--type", "wordlevel", "--vocab-size", "300", "--out", out.toString(),
                corpus().toString());
        assertThat(r4.exit()).isEqualTo(2);
        assertThat(r4.err()).contains("use bpe, wordpiece or unigram");
        assertThat(out.resolve("tokenizer.json")).doesNotExist();

        Run r5 = run("x\n", "tokenizer", "encode", "--tokenizer", dir.toString());
        assertThat(r5.exit()).isEqualTo(2);
        assertThat(r5.err()).contains("directory has no tokenizer.json");

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"model\": ");
        Run r6 = run("x\n", "tokenizer", "encode", "--tokenizer", broken.toString());
        assertThat(r6.exit()).isEqualTo(2);
        assertThat(r6.err()).contains(broken + ": not valid JSON at line 1");

        Path wordLevel = dir.resolve("wordlevel.json");
        Files.writeString(wordLevel, "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}}");
        Run r7 = run("x\n", "tokenizer", "encode", "--tokenizer", wordLevel.toString());
        assertThat(r7.exit()).isEqualTo(2);
        assertThat(r7.err()).contains("model type 'WordLevel' is not supported by graft");

        Run ok = run("", "tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--out", out.toString(),
                corpus().toString());
        assertThat(ok.exit()).isZero();
        Run r8 = run("", "tokenizer", "encode", "--tokenizer", out.toString(), "--input", latin1.toString());
        assertThat(r8.exit()).isEqualTo(2);
        assertThat(r8.err()).contains(latin1 + ": invalid UTF-8 at byte 6 (line 2)");
        Run r9 = run("1 2 x\n", "tokenizer", "decode", "--tokenizer", out.toString());
        assertThat(r9.exit()).isEqualTo(2);
        assertThat(r9.err()).contains("stdin, line 1: 'x' is not a token id");
    }
}
