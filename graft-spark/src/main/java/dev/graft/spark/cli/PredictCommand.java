package dev.graft.spark.cli;

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
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft spark predict}: {@code graft predict} over a Spark master. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predictions of a fine-tuned model for every line of --input, computed by Spark's executors: "
                + "one JSON line per input line, in input order, as 'graft predict' writes them: {text, label, "
                + "probabilities} or {tokens, tags}.",
            "The model folder must be at the same path on every executor."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The --out folder of graft "
            + "finetune.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "UTF-8 text, one input per line: "
            + "a file, a folder of files, or a URI Spark reads (hdfs://, s3a://).")
    String input;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here (replaced when complete) instead of "
            + "standard output.")
    Path output;

    @Option(names = "--batch-size", description = "Inputs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(names = "--threads-per-task", description = "Compute threads of each Spark task (default: "
            + "${DEFAULT-VALUE}; Spark runs one task per core).")
    int threadsPerTask = 1;

    @Option(names = "--partitions", description = "Split the input into this many partitions of equal line counts "
            + "(default: 4 per executor core, so that the executors share the work out to the end).")
    int partitions;

    @Override
    public Integer call() throws IOException {
        InferenceOptions options = InferenceOptions.predictions().withBatchSize(batchSize)
                .withThreadsPerTask(threadsPerTask);
        TextIO.checkInput(input);
        SparkSession session = spark.start("graft predict");
        try {
            long started = System.nanoTime();
            Dataset<Row> lines = TextIO.lines(session, input, partitions);
            Dataset<Row> predicted = GraftSpark.predict(lines, "text", model, options);
            int column = predicted.schema().fieldIndex(options.outputColumn());
            long n = TextIO.write(predicted, output, (row, out) -> {
                out.write(row.getString(column));
                out.write('\n');
            });
            System.err.printf(Locale.ROOT, "predict: %d lines, %.1f s on %s%n", n,
                    (System.nanoTime() - started) / 1e9, spark.master());
        } finally {
            session.stop();
        }
        return 0;
    }
}
