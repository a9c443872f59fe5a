package dev.graft.spark.cli;

import dev.graft.spark.Fixtures;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Input lines in partitions of equal line counts, in input order. */
class TextIOTest {

    @Test
    void linesArePartitionedIntoEqualRunsInInputOrder() throws IOException {
        // lines of very different lengths: the file's byte splits would hold very different line counts
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1003; i++) {
            lines.add(i % 100 < 10 ? "long line " + i + " " + "word ".repeat(200) : "line " + i);
        }
        lines.set(5, "");
        lines.set(6, "crlf\r");
        Path in = Files.writeString(Fixtures.corpus("text-io-input.txt", 1, 0), String.join("\n", lines) + "\n",
                StandardCharsets.UTF_8);
        Dataset<Row> rows = TextIO.lines(Fixtures.spark(), in.toString(), 7);
        JavaRDD<Row> rdd = rows.javaRDD();
        assertThat(rdd.getNumPartitions()).isEqualTo(7);
        List<Integer> sizes = rdd.mapPartitions(it -> {
            int n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        assertThat(sizes).hasSize(7).allSatisfy(n -> assertThat(n).isBetween(1003 / 7, 1003 / 7 + 1));
        List<String> expected = new ArrayList<>(lines);
        expected.set(6, "crlf");
        assertThat(rdd.map(r -> r.getString(0)).collect()).containsExactlyElementsOf(expected);
    }

    @Test
    void theDefaultIsFourPartitionsPerCoreAndABadCountIsAClearError() throws IOException {
        Path in = Fixtures.corpus("text-io-default.txt", 50, 3);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Dataset<Row> rows = TextIO.lines(Fixtures.spark(), in.toString(), 0);
        assertThat(rows.javaRDD().getNumPartitions()).isEqualTo(4 * sc.defaultParallelism());
        assertThat(rows.count()).isEqualTo(50);
        Path empty = Files.writeString(in.resolveSibling("text-io-empty.txt"), "");
        assertThat(TextIO.lines(Fixtures.spark(), empty.toString(), 3).count()).isZero();
        assertThatThrownBy(() -> TextIO.lines(Fixtures.spark(), in.toString(), -2))
                .hasMessageContaining("--partitions -2: give a positive number");
    }
}
