package dev.graft.spark.cli;

import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Pooling;
import dev.graft.spark.GraftSpark;
import dev.graft.spark.InferenceOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft spark embed}: {@code graft embed} over a Spark master. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Sentence embeddings of every line of --input, computed by Spark's executors: one JSON array "
                + "of floats per line, in input order, the same values as 'graft embed' at the same settings.",
            "The model folder must be at the same path on every executor."})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint folder with its "
            + "tokenizer.json (graft pretrain, graft import).")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "UTF-8 text, one text per line: "
            + "a file, a folder of files, or a URI Spark reads (hdfs://, s3a://).")
    String input;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here (replaced when complete) instead of "
            + "standard output.")
    Path output;

    @Option(names = "--pooling", description = "mean or cls (default: ${DEFAULT-VALUE}).")
    String pooling = "mean";

    @Option(names = "--normalize", description = "L2-normalize each vector.")
    boolean normalize;

    @Option(names = "--batch-size", description = "Lines per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--max-length", description = "Truncate to this many tokens, special tokens included "
            + "(default: the model's positions).")
    int maxLength;

    @Option(names = "--threads-per-task", description = "Compute threads of each Spark task (default: "
            + "${DEFAULT-VALUE}; Spark runs one task per core).")
    int threadsPerTask = 1;

    @Option(names = "--partitions", description = "Split the input into this many partitions of equal line counts "
            + "(default: 4 per executor core, so that the executors share the work out to the end).")
    int partitions;

    @Override
    public Integer call() throws IOException {
        Pooling p = switch (pooling.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("--pooling " + pooling + ": choose mean or cls");
        };
        InferenceOptions options = InferenceOptions.embeddings().withPooling(p).withNormalize(normalize)
                .withBatchSize(batchSize).withMaxLength(maxLength).withThreadsPerTask(threadsPerTask);
        TextIO.checkInput(input);
        SparkSession session = spark.start("graft embed");
        try {
            long started = System.nanoTime();
            Dataset<Row> lines = TextIO.lines(session, input, partitions);
            Dataset<Row> embedded = GraftSpark.embed(lines, "text", model, options);
            int column = embedded.schema().fieldIndex(options.outputColumn());
            StringBuilder sb = new StringBuilder();
            int[] dimension = {0};
            long n = TextIO.write(embedded, output, (row, out) -> {
                List<Float> v = row.getList(column);
                dimension[0] = v.size();
                sb.setLength(0);
                appendJson(sb, v);
                out.write(sb.toString());
                out.write('\n');
            });
            double seconds = (System.nanoTime() - started) / 1e9;
            System.err.printf(Locale.ROOT, "embed: %d lines, %d dimensions, %.1f s on %s%n", n, dimension[0], seconds,
                    spark.master());
        } finally {
            session.stop();
        }
        return 0;
    }

    /** A JSON array of the floats, each in Java's shortest form that reads back to the same float (as graft embed). */
    static void appendJson(StringBuilder sb, List<Float> v) {
        sb.append('[');
        for (int i = 0; i < v.size(); i++) {
            float x = v.get(i);
            if (!Float.isFinite(x)) {
                throw new IllegalStateException("embedding value " + x + " at " + i + " is not finite: the model's "
                        + "weights are broken");
            }
            if (i > 0) {
                sb.append(',');
            }
            sb.append(x);
        }
        sb.append(']');
    }
}
