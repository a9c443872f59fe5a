package dev.graft.spark;

import dev.graft.cli.Main;
import org.apache.spark.sql.SparkSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the tests share: one local Spark session (local[2]), and tiny models made once per test JVM by graft's own
 * commands: a pretrained BERT (vocabulary 99, hidden 32, feed-forward 37, one layer) and a classifier fine-tuned
 * from it.
 */
public final class Fixtures {
    private static final String[] POS = {"good", "great", "excellent", "lovely"};
    private static final String[] NEG = {"bad", "awful", "terrible", "boring"};
    private static final String[] FILL = {"the", "movie", "was", "plot", "really", "and", "a", "film", "story"};

    private static Path root;
    private static Path pretrained;
    private static Path classifier;

    private Fixtures() {
    }

    /** The tests' session (local[2], loopback only, no UI); left running for the next test. */
    public static synchronized SparkSession spark() {
        return Sessions.start("local[2]", "graft-spark tests", java.util.Map.of("spark.sql.shuffle.partitions", "2"));
    }

    public static synchronized Path root() throws IOException {
        if (root == null) {
            Path made = Files.createTempDirectory("graft-spark-test");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    dev.graft.model.AtomicFiles.deleteRecursively(made);
                } catch (IOException ignored) {
                    // a temporary folder left behind
                }
            }));
            root = made;
        }
        return root;
    }

    /** Result of running a graft command in this JVM. */
    public record Run(int exit, String out, String err) {
    }

    /** Runs {@code graft ARGS} (graft's own command line) in this JVM, capturing what it prints. */
    public static synchronized Run graft(String... args) {
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

    static String sentence(Random r, boolean positive) {
        StringBuilder sb = new StringBuilder();
        int len = 3 + r.nextInt(9);
        int at = r.nextInt(len);
        for (int w = 0; w < len; w++) {
            sb.append(w > 0 ? " " : "").append(w == at ? (positive ? POS : NEG)[r.nextInt(4)] : FILL[r.nextInt(9)]);
        }
        return sb.toString();
    }

    /** {@code n} sentences of 3 to 11 words (seeded). */
    public static List<String> sentences(int n, long seed) {
        Random r = new Random(seed);
        List<String> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(sentence(r, i % 2 == 0));
        }
        return list;
    }

    /** A corpus file of {@code n} lines. */
    public static Path corpus(String name, int n, long seed) throws IOException {
        return Files.write(root().resolve(name), sentences(n, seed), StandardCharsets.UTF_8);
    }

    /** The tiny pretrained BERT's folder. */
    public static synchronized Path pretrained() throws IOException {
        if (pretrained == null) {
            Path corpus = corpus("pretrain-corpus.txt", 200, 1);
            Path out = root().resolve("pretrained");
            Run r = graft("pretrain", "--arch", "bert-tiny", "--layers", "1", "--hidden-size", "32", "--heads", "2",
                    "--ffn-size", "37", "--vocab-size", "99", "--seq-len", "24", "--batch-size", "8", "--steps", "4",
                    "--threads", "1", "--corpus", corpus.toString(), "--out", out.toString());
            if (r.exit() != 0) {
                throw new IllegalStateException("graft pretrain failed: " + r.err() + r.out());
            }
            pretrained = out;
        }
        return pretrained;
    }

    /** A sentiment classifier fine-tuned from {@link #pretrained()} for one epoch. */
    public static synchronized Path classifier() throws IOException {
        if (classifier == null) {
            Random r = new Random(2);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                boolean pos = i % 2 == 0;
                sb.append("{\"text\": \"").append(sentence(r, pos)).append("\", \"label\": \"")
                        .append(pos ? "positive" : "negative").append("\"}\n");
            }
            Path train = Files.writeString(root().resolve("train.jsonl"), sb.toString());
            Path out = root().resolve("classifier");
            Run run = graft("finetune", "--task", "classify", "--from", pretrained().toString(), "--train",
                    train.toString(), "--out", out.toString(), "--epochs", "1", "--batch-size", "8");
            if (run.exit() != 0) {
                throw new IllegalStateException("graft finetune failed: " + run.err() + run.out());
            }
            classifier = out;
        }
        return classifier;
    }
}
