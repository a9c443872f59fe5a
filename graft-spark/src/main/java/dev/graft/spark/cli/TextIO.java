package dev.graft.spark.cli;

import dev.graft.io.FileModes;
import dev.graft.model.AtomicFiles;
import dev.graft.spark.TaskFailure;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;

import scala.Tuple2;

/** Input lines as a Spark Dataset, output lines in input order into one file (or standard output). */
final class TextIO {
    private TextIO() {
    }

    /** Partitions per executor core when --partitions is not given: short tasks that the executors share out. */
    static final int PARTITIONS_PER_CORE = 4;

    /**
     * The lines of {@code input} (a local file or folder, or any URI Hadoop reads: hdfs://, s3a://, file://) as a
     * Dataset with one string column "text", in input order, in {@code partitions} partitions of equal line counts
     * (when 0: {@link #PARTITIONS_PER_CORE} per core of the application); a trailing carriage return is dropped as
     * graft's own commands do. A local path that does not exist is an error now, not a failed job.
     */
    static Dataset<Row> lines(SparkSession session, String input, int partitions) throws IOException {
        checkInput(input);
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions " + partitions + ": give a positive number of partitions "
                    + "(or leave it out: 4 per executor core)");
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
        int n = partitions > 0 ? partitions : PARTITIONS_PER_CORE * Math.max(1, sc.defaultParallelism());
        JavaRDD<Row> rows = balanced(sc.textFile(input), n).map(line -> RowFactory.create(line.endsWith("\r")
                ? line.substring(0, line.length() - 1) : line));
        StructType schema = new StructType().add("text", DataTypes.StringType, false);
        return session.createDataFrame(rows, schema);
    }

    /**
     * {@code lines} in {@code n} partitions of equal line counts (within one), in order: partition k holds the
     * k-th run of lines. The file's own splits are cut by bytes, and a split of long lines (truncated to the
     * model's length) costs far less per byte than one of short lines: with splits of equal counts, and several
     * per core, every executor stays busy to the end.
     */
    static JavaRDD<String> balanced(JavaRDD<String> lines, int n) {
        JavaPairRDD<Long, String> indexed = lines.zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()));
        long count = indexed.count();
        return indexed.repartitionAndSortWithinPartitions(new EqualRuns(n, count)).values();
    }

    /** Line i of {@code count} goes to partition i * n / count: n runs of consecutive lines of equal size. */
    static final class EqualRuns extends Partitioner {
        private final int n;
        private final long count;

        EqualRuns(int n, long count) {
            if (n < 1) {
                throw new IllegalArgumentException("--partitions must be at least 1, got " + n);
            }
            this.n = n;
            this.count = Math.max(1, count);
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((long) key * n / count); // below 2^63 for any input Spark can count
        }
    }

    /** A clear error for a local input path that does not exist (before Spark starts). */
    static void checkInput(String input) throws IOException {
        boolean uri = input.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
        if (!uri && !Files.exists(Path.of(input))) {
            throw new NoSuchFileException(input + ": no such input file; give a UTF-8 text file with one text per "
                    + "line (or a folder of them, or an hdfs:// or s3a:// URI)");
        }
    }

    /** Where output lines go. */
    interface LineSink {
        void accept(Row row, Writer out) throws IOException;
    }

    /**
     * Writes one line per row of {@code result}, computed by all executors at once, then partition by partition
     * (the driver holds one partition at a time), to {@code output} (replaced only when every line is written) or to standard output when null.
     *
     * @return the number of rows
     */
    static long write(Dataset<Row> result, Path output, LineSink sink) throws IOException {
        if (output == null) {
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            long n = drain(result, out, sink);
            out.flush();
            return n;
        }
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a folder; give a file name");
        }
        Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = FileModes.createTempFile(parent, "." + output.getFileName() + ".", ".tmp");
        try {
            long n;
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                n = drain(result, out, sink);
            }
            AtomicFiles.move(tmp, output);
            return n;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Computes every partition in one job (all executors at once; {@code toLocalIterator} alone would run one
     * job per partition, one executor at a time), kept where it was computed (memory, else disk), then hands the
     * driver one partition at a time, in order.
     */
    private static long drain(Dataset<Row> result, Writer out, LineSink sink) throws IOException {
        long n = 0;
        Dataset<Row> computed = result.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        try {
            computed.count();
            Iterator<Row> it = computed.toLocalIterator();
            while (it.hasNext()) {
                sink.accept(it.next(), out);
                n++;
            }
        } catch (RuntimeException e) {
            String why = TaskFailure.explain(e);
            if (why != null) {
                throw new IllegalArgumentException(why, e);
            }
            throw e;
        } finally {
            computed.unpersist(false);
        }
        return n;
    }
}
