package dev.graft.spark;

import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Prediction;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batch inference over a Dataset equals graft's single-process embedding and prediction. */
class GraftSparkTest {

    private static Dataset<Row> frame(SparkSession spark, List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create((long) i, texts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType,
                true);
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    @Test
    void embeddingsEqualSingleProcessEmbeddingsAndTheModelIsLoadedOncePerTaskSlot() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path model = Fixtures.pretrained();
        List<String> texts = new ArrayList<>(Fixtures.sentences(300, 7));
        texts.set(5, null); // a null text: a null embedding
        texts.set(9, "");
        texts.set(11, "word ".repeat(40).strip()); // longer than the model's 24 positions: truncated
        InferenceOptions options = InferenceOptions.embeddings().withNormalize(true).withBatchSize(7)
                .withOutputColumn("vec");
        List<Row> result = GraftSpark.embed(frame(spark, texts, 6), "text", model, options).collectAsList();

        Pretrained loaded = Pretrained.loadBackbone(model, Compute.create(1));
        SentenceEmbedder single = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(),
                Pooling.MEAN, true, 7, loaded.config().maxPositions());
        assertThat(result).hasSize(texts.size());
        int checked = 0;
        for (Row r : result) {
            String text = texts.get((int) r.getLong(0));
            assertThat(r.getString(1)).isEqualTo(text);
            if (text == null) {
                assertThat(r.isNullAt(2)).isTrue();
                continue;
            }
            List<Float> v = r.getList(r.fieldIndex("vec"));
            float[] expected = single.embed(List.of(text))[0];
            float[] actual = new float[v.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = v.get(i);
            }
            assertThat(actual).as("row %d", r.getLong(0)).containsExactly(expected);
            checked++;
        }
        assertThat(checked).isEqualTo(texts.size() - 1);
        // 6 partitions on 2 task slots, all in this JVM: loaded at most once per slot, not once per partition
        String key = new GraftSpark.Embed(model.toAbsolutePath().normalize().toString(), options, 1).cacheKey();
        assertThat(ModelCache.loads(key)).isBetween(1, 2);
    }

    @Test
    void predictionsEqualSingleProcessPredictions() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path model = Fixtures.classifier();
        List<String> texts = Fixtures.sentences(150, 8);
        List<Row> result = GraftSpark.predict(frame(spark, texts, 3), "text", model).orderBy("id").collectAsList();

        FineTunedModel m = FineTunedModel.load(model, Compute.create(1));
        StringWriter out = new StringWriter();
        Iterator<String> it = texts.iterator();
        Prediction.run(m, () -> it.hasNext() ? it.next() : null, out, 64);
        String[] expected = out.toString().split("\n");
        assertThat(result).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Row r = result.get(i);
            assertThat(r.getString(r.fieldIndex("prediction"))).isEqualTo(expected[i]);
            assertThat(expected[i]).contains("\"label\":\"" + r.getString(r.fieldIndex("label")) + "\"");
        }
        assertThat(result.stream().map(r -> r.getString(r.fieldIndex("label"))).distinct())
                .isSubsetOf("positive", "negative");
    }

    @Test
    void aModelFolderMissingOnTheExecutorsIsAClearError() throws IOException {
        SparkSession spark = Fixtures.spark();
        Path copy = Files.createTempDirectory(Fixtures.root(), "vanishing");
        try (var files = Files.list(Fixtures.pretrained())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Dataset<Row> embedded = GraftSpark.embed(frame(spark, List.of("a film", "the plot"), 2), "text", copy);
        dev.graft.model.AtomicFiles.deleteRecursively(copy); // gone before the executors open it
        assertThatThrownBy(embedded::collectAsList).satisfies(e -> assertThat(TaskFailure.explain(e))
                .contains("the model folder " + copy.toAbsolutePath().normalize() + " does not exist on executor")
                .contains("same path"));
    }

    @Test
    void badArgumentsAreClearErrors() throws IOException {
        SparkSession spark = Fixtures.spark();
        Dataset<Row> df = frame(spark, List.of("a"), 1);
        assertThatThrownBy(() -> GraftSpark.embed(df, "body", Fixtures.pretrained()))
                .hasMessageContaining("no column 'body'").hasMessageContaining("id:bigint");
        assertThatThrownBy(() -> GraftSpark.embed(df, "id", Fixtures.pretrained()))
                .hasMessageContaining("column 'id' is bigint, not a string");
        assertThatThrownBy(() -> GraftSpark.predict(df, "text", Fixtures.root().resolve("nowhere")))
                .hasMessageContaining("nowhere does not exist");
    }
}
