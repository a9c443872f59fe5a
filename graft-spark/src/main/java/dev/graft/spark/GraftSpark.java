package dev.graft.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Prediction;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * graft's models over Spark {@link Dataset}s: a column of sentence embeddings ({@link #embed}) or of a fine-tuned
 * model's predictions ({@link #predict}), computed where the rows are. Each partition is read in chunks of
 * {@link #CHUNK} rows, embedded or predicted in batches as {@code graft embed} and {@code graft predict} do, and
 * given back in the same order with the new column. The model is loaded once per executor JVM ({@link ModelCache})
 * and its folder must be readable at the same path by every executor (a local folder on one machine, a shared
 * file system on a cluster). The values are those of {@code graft embed} and {@code graft predict} at the same
 * settings.
 */
public final class GraftSpark {
    /** Rows of a partition embedded or predicted together. */
    public static final int CHUNK = 512;

    private GraftSpark() {
    }

    /**
     * {@code df} with a column of sentence embeddings ({@code array<float>}, named by the options) of the string
     * column {@code textColumn}, as {@code graft embed --model modelFolder} computes them with
     * {@link InferenceOptions#embeddings()}. A null text gives a null embedding.
     */
    public static Dataset<Row> embed(Dataset<Row> df, String textColumn, Path modelFolder) throws IOException {
        return embed(df, textColumn, modelFolder, InferenceOptions.embeddings());
    }

    /** {@link #embed(Dataset, String, Path)} with other settings. */
    public static Dataset<Row> embed(Dataset<Row> df, String textColumn, Path modelFolder, InferenceOptions options)
            throws IOException {
        int index = textIndex(df, textColumn);
        String folder = checkFolder(modelFolder);
        StructType schema = df.schema().add(options.outputColumn(),
                DataTypes.createArrayType(DataTypes.FloatType, false), true);
        return df.mapPartitions(new Embed(folder, options, index), Encoders.row(schema));
    }

    /**
     * {@code df} with the predictions of the fine-tuned model in {@code modelFolder} (the {@code --out} folder of
     * {@code graft finetune}) for the string column {@code textColumn}: a column (named by the options,
     * "prediction") with the JSON object {@code graft predict} writes for that text, and a column "label" with the
     * predicted label (classification; null for a tagger, whose tags are in the JSON).
     */
    public static Dataset<Row> predict(Dataset<Row> df, String textColumn, Path modelFolder) throws IOException {
        return predict(df, textColumn, modelFolder, InferenceOptions.predictions());
    }

    /** {@link #predict(Dataset, String, Path)} with other settings. */
    public static Dataset<Row> predict(Dataset<Row> df, String textColumn, Path modelFolder, InferenceOptions options)
            throws IOException {
        int index = textIndex(df, textColumn);
        String folder = checkFolder(modelFolder);
        if (options.outputColumn().equals("label")) {
            throw new IllegalArgumentException("the prediction column cannot be named 'label': that is the label's");
        }
        StructType schema = df.schema().add(options.outputColumn(), DataTypes.StringType, true)
                .add("label", DataTypes.StringType, true);
        return df.mapPartitions(new Predict(folder, options, index), Encoders.row(schema));
    }

    private static int textIndex(Dataset<Row> df, String textColumn) {
        StructType schema = df.schema();
        if (!Arrays.asList(schema.fieldNames()).contains(textColumn)) {
            throw new IllegalArgumentException("no column '" + textColumn + "' in " + schema.simpleString()
                    + ": name the column that holds the texts");
        }
        int index = schema.fieldIndex(textColumn);
        if (!schema.fields()[index].dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + textColumn + "' is " + schema.fields()[index].dataType()
                    .simpleString() + ", not a string: cast it, e.g. df.withColumn(\"" + textColumn + "\", col(\""
                    + textColumn + "\").cast(\"string\"))");
        }
        return index;
    }

    /** The folder as executors will open it; a clear error now if the driver cannot see it either. */
    private static String checkFolder(Path modelFolder) throws IOException {
        Path abs = modelFolder.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new NoSuchFileException(modelFolder + (Files.exists(abs) ? " is not a folder" : " does not exist")
                    + ": give a model folder (graft pretrain, graft import or graft finetune output)");
        }
        return abs.toString();
    }

    /** The folder on this executor, or graft's explanation of why it is not there. */
    static Path folderOnExecutor(String folder) {
        Path p = Path.of(folder);
        if (!Files.isDirectory(p)) {
            throw new TaskFailure("the model folder " + folder + " does not exist on executor " + host()
                    + ": every executor opens the model at the same path; copy it there or put it on a file system "
                    + "all of them mount", null);
        }
        return p;
    }

    /** This JVM's host name and process id, for messages from executors. */
    public static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName() + " (pid " + ProcessHandle.current().pid() + ")";
        } catch (java.net.UnknownHostException e) {
            return "pid " + ProcessHandle.current().pid();
        }
    }

    private static String text(Row row, int index) {
        return row.isNullAt(index) ? null : row.getString(index);
    }

    private static Row append(Row row, Object... values) {
        Object[] v = new Object[row.length() + values.length];
        for (int i = 0; i < row.length(); i++) {
            v[i] = row.get(i);
        }
        System.arraycopy(values, 0, v, row.length(), values.length);
        return RowFactory.create(v);
    }

    /** Embeds a partition chunk by chunk. */
    static final class Embed implements MapPartitionsFunction<Row, Row> {
        private final String folder;
        private final InferenceOptions options;
        private final int textIndex;

        Embed(String folder, InferenceOptions options, int textIndex) {
            this.folder = folder;
            this.options = options;
            this.textIndex = textIndex;
        }

        String cacheKey() {
            return "embed " + folder + " " + options;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Chunks(rows, chunk -> {
                List<String> texts = new ArrayList<>(chunk.size());
                for (Row r : chunk) {
                    String t = text(r, textIndex);
                    if (t != null) {
                        texts.add(t);
                    }
                }
                float[][] vectors = texts.isEmpty() ? new float[0][] : embed(texts);
                List<Row> out = new ArrayList<>(chunk.size());
                int k = 0;
                for (Row r : chunk) {
                    out.add(append(r, text(r, textIndex) == null ? null : vectors[k++]));
                }
                return out;
            });
        }

        private float[][] embed(List<String> texts) throws IOException {
            String key = cacheKey();
            SentenceEmbedder e = ModelCache.borrow(key, this::load);
            try {
                return e.embed(texts);
            } finally {
                ModelCache.giveBack(key, e);
            }
        }

        SentenceEmbedder load() throws IOException {
            Path p = folderOnExecutor(folder);
            Pretrained loaded = Pretrained.loadBackbone(p, Compute.create(options.threadsPerTask()));
            int positions = loaded.config().maxPositions();
            int max = options.maxLength() == 0 ? positions : options.maxLength();
            if (max > positions) {
                throw new IllegalArgumentException("max length " + max + " is more than the model's " + positions
                        + " positions");
            }
            return new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(), options.pooling(),
                    options.normalize(), options.batchSize(), max);
        }
    }

    /** Predicts a partition chunk by chunk. */
    static final class Predict implements MapPartitionsFunction<Row, Row> {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final String folder;
        private final InferenceOptions options;
        private final int textIndex;

        Predict(String folder, InferenceOptions options, int textIndex) {
            this.folder = folder;
            this.options = options;
            this.textIndex = textIndex;
        }

        String cacheKey() {
            return "predict " + folder + " " + options.threadsPerTask();
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Chunks(rows, chunk -> {
                List<String> texts = new ArrayList<>(chunk.size());
                for (Row r : chunk) {
                    String t = text(r, textIndex);
                    if (t != null) {
                        texts.add(t);
                    }
                }
                String[] lines = texts.isEmpty() ? new String[0] : predict(texts);
                List<Row> out = new ArrayList<>(chunk.size());
                int k = 0;
                for (Row r : chunk) {
                    if (text(r, textIndex) == null) {
                        out.add(append(r, null, null));
                        continue;
                    }
                    String line = lines[k++];
                    JsonNode label = JSON.readTree(line).get("label");
                    out.add(append(r, line, label == null ? null : label.asText()));
                }
                return out;
            });
        }

        private String[] predict(List<String> texts) throws IOException {
            String key = cacheKey();
            FineTunedModel m = ModelCache.borrow(key,
                    () -> FineTunedModel.load(folderOnExecutor(folder), Compute.create(options.threadsPerTask())));
            StringWriter out = new StringWriter();
            try {
                Iterator<String> it = texts.iterator();
                Prediction.run(m, () -> it.hasNext() ? it.next() : null, out, options.batchSize());
            } finally {
                ModelCache.giveBack(key, m);
            }
            String[] lines = out.toString().split("\n", -1);
            if (lines.length != texts.size() + 1) {
                throw new IllegalStateException("the model wrote " + (lines.length - 1) + " predictions for "
                        + texts.size() + " texts");
            }
            return Arrays.copyOf(lines, texts.size());
        }
    }

    /** Maps a chunk of rows to the same rows with new values. */
    @FunctionalInterface
    interface ChunkBody {
        List<Row> apply(List<Row> chunk) throws IOException;
    }

    /** Reads {@link #CHUNK} rows at a time and hands out what {@code body} made of them, lazily. */
    static final class Chunks implements Iterator<Row> {
        private final Iterator<Row> in;
        private final ChunkBody body;
        private Iterator<Row> current = java.util.Collections.emptyIterator();

        Chunks(Iterator<Row> in, ChunkBody body) {
            this.in = in;
            this.body = body;
        }

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && in.hasNext()) {
                List<Row> chunk = new ArrayList<>(CHUNK);
                while (chunk.size() < CHUNK && in.hasNext()) {
                    chunk.add(in.next());
                }
                try {
                    current = body.apply(chunk).iterator();
                } catch (IOException e) {
                    throw new TaskFailure(e.getMessage() + " (on executor " + host() + ")", e);
                }
            }
            return current.hasNext();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }
    }
}
