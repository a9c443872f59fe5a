package dev.graft.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft vectors train|neighbors}: a small run of each method, neighbours, and errors as exit 2. */
class VectorsCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
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

    /** "cX wNa|wNb cY": the members of a pair share their contexts and never meet. */
    private Path corpus() throws IOException {
        Random random = new Random(1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1501; i++) {
            int pair = random.nextInt(5);
            lines.add("c" + (2 * pair + random.nextInt(4)) % 10 + " w" + pair + (random.nextBoolean() ? "a" : "b")
                    + " c" + (2 * pair + random.nextInt(4)) % 10);
        }
        Path f = dir.resolve("corpus.txt");
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void trainsBothMethodsAndPrintsNeighbours() throws IOException {
        Path corpus = corpus();
        for (String method : List.of("ppmi-svd", "sgns")) {
            Path out = dir.resolve(method);
            List<String> args = new ArrayList<>(List.of("vectors", "train", "--method", method, "--corpus",
                    corpus.toString(), "--dim", "5", "--window", "1", "--min-count", "1", "--threads", "2",
                    "--out", out.toString()));
            if (method.equals("sgns")) {
                args.addAll(List.of("--epochs", "6", "--subsample", "0"));
            }
            Run train = run(args.toArray(String[]::new));
            assertThat(train.exit()).as(train.err()).isZero();
            assertThat(train.out()).contains("wrote");
            Run n = run("vectors", "neighbors", "--vectors", out.toString(), "--k", "2", "w2a", "W4B");
            assertThat(n.exit()).as(n.err()).isZero();
            String[] lines = n.out().split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).as(method).startsWith("w2a: w2b ");
            assertThat(lines[1]).as(method).startsWith("W4B: w4a ");
        }
    }

    @Test
    void errorsExitWithTwoAndSayWhatToDo() throws IOException {
        Path corpus = corpus();
        Path out = dir.resolve("v");
        assertThat(run("vectors", "train", "--method", "ppmi-svd", "--corpus", corpus.toString(), "--dim", "3",
                "--min-count", "1", "--out", out.toString()).exit()).isZero();
        Run unknown = run("vectors", "neighbors", "--vectors", out.toString(), "w1a", "zebra");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("'zebra' is not in the vocabulary");
        Run method = run("vectors", "train", "--method", "glove", "--corpus", corpus.toString(), "--dim", "3",
                "--out", dir.resolve("g").toString());
        assertThat(method.exit()).isEqualTo(2);
        assertThat(method.err()).contains("unknown --method 'glove': use sgns or ppmi-svd");
        Run mixed = run("vectors", "train", "--method", "ppmi-svd", "--epochs", "3", "--corpus", corpus.toString(),
                "--dim", "3", "--out", dir.resolve("x").toString());
        assertThat(mixed.exit()).isEqualTo(2);
        assertThat(mixed.err()).contains("apply to sgns only");
    }
}
