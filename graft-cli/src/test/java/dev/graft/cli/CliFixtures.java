package dev.graft.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small inputs for command-line tests that run real commands: a corpus, a labeled set, tiny model flags. */
final class CliFixtures {
    private static final String[] POS = {"good", "great", "excellent", "lovely"};
    private static final String[] NEG = {"bad", "awful", "terrible", "boring"};
    private static final String[] FILL = {"the", "movie", "was", "plot", "really", "and", "a", "film", "story"};

    private CliFixtures() {
    }

    /** Runs {@code graft ARGS} in this JVM with {@code stdin}, capturing what it prints. */
    static ChildJvm.Result run(String stdin, String... args) {
        return run(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    static ChildJvm.Result run(byte[] stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin));
            int code = Main.run(args);
            return new ChildJvm.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    static ChildJvm.Result run(List<String> args) {
        return run("", args.toArray(String[]::new));
    }

    static String sentence(Random r, boolean positive) {
        StringBuilder sb = new StringBuilder();
        int len = 3 + r.nextInt(5);
        int at = r.nextInt(len);
        for (int w = 0; w < len; w++) {
            sb.append(w > 0 ? " " : "").append(w == at ? (positive ? POS : NEG)[r.nextInt(4)] : FILL[r.nextInt(9)]);
        }
        return sb.toString();
    }

    /** {@code n} sentences, one per line. */
    static Path corpus(Path dir, int n) throws IOException {
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(sentence(r, i % 2 == 0)).append('\n');
        }
        return Files.writeString(dir.resolve("corpus.txt"), sb.toString());
    }

    /** {@code n} JSON Lines {"text", "label"} examples. */
    static Path labeled(Path dir, int n) throws IOException {
        Random r = new Random(2);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            sb.append("{\"text\": \"").append(sentence(r, pos)).append("\", \"label\": \"")
                    .append(pos ? "positive" : "negative").append("\"}\n");
        }
        return Files.writeString(dir.resolve("train.jsonl"), sb.toString());
    }

    /** {@code graft pretrain} with a one-layer, hidden-16 model: seconds, one thread. */
    static List<String> tinyPretrain(Path corpus, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--arch", "bert-tiny", "--layers", "1", "--hidden-size",
                "16", "--heads", "2", "--vocab-size", "100", "--seq-len", "24", "--batch-size", "4", "--threads", "1",
                "--corpus", corpus.toString(), "--out", out.toString()));
        for (int i = 0; i < more.length; i++) { // an option given in more replaces the default
            int at = a.indexOf(more[i]);
            if (more[i].startsWith("--") && at >= 0 && i + 1 < more.length && !more[i + 1].startsWith("--")) {
                a.set(at + 1, more[++i]);
            } else {
                a.add(more[i]);
            }
        }
        return a;
    }
}
