package dev.graft.spark.cli;

import dev.graft.spark.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft spark embed|predict} write what {@code graft embed|predict} write, byte for byte. */
class InferenceCommandsTest {

    private static Path input(String name) throws IOException {
        List<String> lines = new ArrayList<>(Fixtures.sentences(120, 9));
        lines.set(3, "");
        lines.set(4, "word ".repeat(40).strip());
        lines.set(7, "the film\r"); // a CRLF line ending
        return Files.writeString(Fixtures.corpus(name, 1, 0), String.join("\n", lines) + "\n");
    }

    @Test
    void sparkEmbedWritesWhatGraftEmbedWrites() throws IOException {
        Path model = Fixtures.pretrained();
        Path in = input("embed-input.txt");
        Path out = in.resolveSibling("embed-output.jsonl");
        CliRun spark = CliRun.of("embed", "--master", "local[2]", "--model", model.toString(), "--input",
                in.toString(), "--output", out.toString(), "--normalize", "--partitions", "3", "--batch-size", "5");
        assertThat(spark.exitCode()).as(spark.err()).isZero();
        Fixtures.Run single = Fixtures.graft("embed", "--model", model.toString(), "--input", in.toString(),
                "--normalize", "--batch-size", "5");
        assertThat(single.exit()).as(single.err()).isZero();
        String written = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(written.lines().count()).isEqualTo(120);
        assertThat(written).isEqualTo(single.out());
    }

    @Test
    void sparkPredictWritesWhatGraftPredictWrites() throws IOException {
        Path model = Fixtures.classifier();
        Path in = input("predict-input.txt");
        Path out = in.resolveSibling("predict-output.jsonl");
        CliRun spark = CliRun.of("predict", "--master", "local[2]", "--model", model.toString(), "--input",
                in.toString(), "--output", out.toString(), "--partitions", "2");
        assertThat(spark.exitCode()).as(spark.err()).isZero();
        Path expected = in.resolveSibling("predict-expected.jsonl");
        Fixtures.Run single = Fixtures.graft("predict", "--model", model.toString(), "--input", in.toString(),
                "--output", expected.toString());
        assertThat(single.exit()).as(single.err()).isZero();
        assertThat(Files.readString(out).lines().count()).isEqualTo(120);
        assertThat(Files.readString(out)).isEqualTo(Files.readString(expected));
    }

    @Test
    void aMissingInputIsAClearError() throws IOException {
        CliRun r = CliRun.of("embed", "--model", Fixtures.pretrained().toString(), "--input", "no-such-corpus.txt");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-corpus.txt: no such input file");
    }
}
