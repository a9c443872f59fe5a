package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft data check}: bad input is exit 2 with file and line; --skip-bad reports what it skipped. */
class DataCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void badInputExitsTwoWithFileAndLineAndSkipBadReports() throws IOException {
        Path f = dir.resolve("a.jsonl");
        Files.writeString(f, "{\"text\": \"good\", \"label\": \"pos\"}\n{\"text\": oops}\n{\"text\": \"fine\", \"label\": \"neg\"}\n");
        Run strict = run("data", "check", "--kind", "classification", f.toString());
        assertThat(strict.exit()).isEqualTo(2);
        assertThat(strict.err()).contains("graft: " + f + ", line 2: malformed JSON").contains("--skip-bad");

        Run skip = run("data", "check", "--kind", "classification", "--skip-bad", f.toString());
        assertThat(skip.exit()).isZero();
        assertThat(skip.out()).contains("2 examples").contains("skipped 1 bad record: 1 malformed JSON");
    }

    @Test
    void tsvAndConllChecks() throws IOException {
        Path t = dir.resolve("t.tsv");
        Files.writeString(t, "sentence\tclass\nhello\tA\n");
        assertThat(run("data", "check", "--kind", "classification", "--text-column", "sentence", "--label-column", "class",
                t.toString()).out()).contains("1 examples");
        Path c = dir.resolve("c.conll");
        Files.writeString(c, "-DOCSTART- O\n\nEU B-ORG\nsays O\n");
        assertThat(run("data", "check", "--kind", "tagging", c.toString()).out()).contains("1 sentences, 2 tokens");
        assertThat(run("data", "check", "--kind", "tagging", dir.resolve("missing.conll").toString()).exit()).isEqualTo(2);
    }
}
