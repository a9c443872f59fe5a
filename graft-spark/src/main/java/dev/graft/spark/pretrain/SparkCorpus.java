package dev.graft.spark.pretrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.Corpora;
import dev.graft.data.CorpusReader;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.Split;
import dev.graft.spark.TaskFailure;
import dev.graft.task.EncodedCorpus;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokenization of a corpus as a Spark job: text files (local paths, or any URI Hadoop reads: hdfs://, s3a://)
 * are split by Spark, each executor encodes the lines of its part, and the driver gathers them in file and line
 * order into the {@link EncodedCorpus} that single-process encoding ({@code CorpusEncoder} over {@code Corpora})
 * gives: with the "lines" layout every non-blank line a document; with "paragraphs" (and for dataset names, whose
 * training split is read so) blocks of non-blank lines separated by blank lines a document, each line a sentence
 * (a paragraph may span Spark's splits: the executors send the blank lines as breaks, and the driver closes the
 * documents there and at the end of each file). JSON lines files ({@code .jsonl}, {@code .jsonl.gz}) hold a document
 * per object, in its "text" field, each of its lines a sentence. Lines break at '\n' with a '\r' before it dropped,
 * a UTF-8 byte-order mark at the start of a file is dropped, invalid UTF-8 and malformed JSON are errors that name the
 * file and the line's byte offset.
 */
public final class SparkCorpus {
    /** Tokenizers loaded from a broadcast tokenizer.json, once per executor JVM. */
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private SparkCorpus() {
    }

    /**
     * One line of a file, encoded ({@code ids} and {@code words}), or a break (a blank line: {@code ids} null).
     *
     * @param file the file's index among the files of the job
     */
    record Piece(int file, int[] ids, int[] words) implements Serializable {
    }

    /**
     * A text file (a path or a Hadoop URI) and how it is cut into documents ({@code layout}; a JSON lines file,
     * named {@code .jsonl} or {@code .jsonl.gz}, has a document per object whatever the layout).
     */
    public record Source(String file, CorpusReader.Layout layout) implements Serializable {
        /** Whether the file holds JSON lines: one object per line, the document in its "text" field. */
        public boolean jsonl() {
            return isJsonl(file);
        }

        /** Whether every piece of the file is a document of its own (text files with the lines layout). */
        boolean documentPerLine() {
            return layout == CorpusReader.Layout.LINES && !jsonl();
        }
    }

    /** The JSON lines field that holds a document, as graft pretrain reads it. */
    static final String TEXT_FIELD = CorpusReader.Options.defaults().textField();

    private static final ObjectMapper JSON = new ObjectMapper();

    static boolean isJsonl(String file) {
        String lower = file.toLowerCase(java.util.Locale.ROOT);
        return lower.endsWith(".jsonl") || lower.endsWith(".jsonl.gz");
    }

    private static boolean isUri(String f) {
        return f.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

    /**
     * The text files of {@code specs} as graft pretrain reads them: files and URIs with {@code layout}, dataset
     * names ({@code graft data list}, fetched if needed) as their training split's file read by paragraph.
     */
    public static List<Source> sources(List<String> specs, CorpusReader.Layout layout, DatasetRegistry registry,
                                       PrintStream log) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (String spec : specs) {
            if (isUri(spec) || Files.isRegularFile(Path.of(spec))) {
                sources.add(new Source(spec, layout));
                continue;
            }
            if (Files.isDirectory(Path.of(spec))) {
                throw new IllegalArgumentException(spec + " is a directory: give the text files in it, not the folder");
            }
            String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
            if (!registry.allSetNames().contains(name)) {
                throw new NoSuchFileException(spec + ": no such corpus file or dataset; give UTF-8 text files, "
                        + "hdfs:// / s3a:// URIs or dataset names (" + String.join(", ", registry.allSetNames()) + ")");
            }
            Corpora.resolve(List.of(spec), registry, layout, log); // fetches it, checks that it is a text set
            sources.add(new Source(registry.resolve(spec).file(Split.TRAIN).toString(),
                    CorpusReader.Layout.PARAGRAPHS));
        }
        return sources;
    }

    /** Encodes {@code files} (one document per line) with {@code tokenizer} on Spark's executors. */
    public static EncodedCorpus encode(JavaSparkContext sc, Tokenizer tokenizer, List<String> files, int partitions)
            throws IOException {
        return encodeSources(sc, tokenizer, files.stream().map(f -> new Source(f, CorpusReader.Layout.LINES)).toList(),
                partitions);
    }

    /** Encodes {@code sources} with {@code tokenizer} on Spark's executors. */
    public static EncodedCorpus encodeSources(JavaSparkContext sc, Tokenizer tokenizer, List<Source> sources,
                                              int partitions) throws IOException {
        for (Source s : sources) {
            String f = s.file();
            if (!isUri(f) && !Files.isRegularFile(Path.of(f))) {
                throw new NoSuchFileException(f + ": no such corpus file; give UTF-8 text files (one document per "
                        + "line) or hdfs:// / s3a:// URIs");
            }
        }
        Path tmp = Files.createTempFile("graft-tokenizer", ".json");
        String json;
        try {
            tokenizer.save(tmp);
            json = Files.readString(tmp, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(tmp);
        }
        Broadcast<String> shipped = sc.broadcast(json);
        String key = sc.sc().applicationId() + "/" + shipped.id();
        JavaRDD<Piece> computed = null;
        try {
            Configuration conf = new Configuration(sc.hadoopConfiguration());
            conf.set("textinputformat.record.delimiter", "\n"); // as graft's reader: '\n' only
            JavaRDD<Piece> all = null;
            for (int index = 0; index < sources.size(); index++) {
                String f = sources.get(index).file();
                String file = f;
                int fileIndex = index;
                boolean jsonl = sources.get(index).jsonl();
                JavaRDD<Piece> docs = sc.newAPIHadoopFile(f, TextInputFormat.class, LongWritable.class, Text.class,
                                conf)
                        .mapPartitions(lines -> encodePartition(lines, file, fileIndex, jsonl, key, shipped));
                if (partitions > 0 && docs.getNumPartitions() < partitions) {
                    // more splits of the file: re-read with a smaller split size
                    Configuration split = new Configuration(conf);
                    long size = Math.max(1, fileSize(sc, f) / partitions + 1);
                    split.setLong("mapreduce.input.fileinputformat.split.maxsize", size);
                    docs = sc.newAPIHadoopFile(f, TextInputFormat.class, LongWritable.class, Text.class, split)
                            .mapPartitions(lines -> encodePartition(lines, file, fileIndex, jsonl, key, shipped));
                }
                all = all == null ? docs : all.union(docs);
            }
            // as CorpusEncoder takes the documents of CorpusReader: a document's lines are its sentences
            EncodedCorpus corpus = new EncodedCorpus();
            // every partition computed in one job (all executors at once; toLocalIterator alone would run one job
            // per partition, one executor at a time), kept where it was computed, then drained in order
            computed = all.persist(StorageLevel.MEMORY_AND_DISK());
            computed.count();
            Iterator<Piece> it = computed.toLocalIterator();
            int file = -1;
            while (it.hasNext()) {
                Piece p = it.next();
                if (p.file() != file) {
                    corpus.endDocument(); // the end of a file ends its last paragraph (a no-op after a closed one)
                    file = p.file();
                }
                if (p.ids() == null) {
                    corpus.endDocument();
                    continue;
                }
                corpus.addSentence(p.ids(), p.words());
                if (sources.get(p.file()).documentPerLine()) {
                    corpus.endDocument();
                }
            }
            corpus.endDocument();
            return corpus;
        } catch (Exception e) { // Spark throws its SparkException (checked) unannounced
            IllegalArgumentException why = TaskFailure.explained(e);
            if (why != null) {
                throw why;
            }
            throw e;
        } finally {
            if (computed != null) {
                computed.unpersist(false);
            }
            shipped.destroy();
        }
    }

    private static long fileSize(JavaSparkContext sc, String f) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
        return p.getFileSystem(sc.hadoopConfiguration()).getFileStatus(p).getLen();
    }

    private static Iterator<Piece> encodePartition(Iterator<scala.Tuple2<LongWritable, Text>> lines, String file,
                                                   int fileIndex, boolean jsonl, String key, Broadcast<String> json)
            throws IOException {
        Tokenizer tokenizer = TOKENIZERS.get(key);
        if (tokenizer == null) {
            Path tmp = Files.createTempFile("graft-tokenizer", ".json");
            try {
                Files.writeString(tmp, json.value(), StandardCharsets.UTF_8);
                tokenizer = Tokenizer.load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
            TOKENIZERS.put(key, tokenizer);
        }
        Tokenizer t = tokenizer;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Piece> out = new ArrayList<>();
        while (lines.hasNext()) {
            scala.Tuple2<LongWritable, Text> l = lines.next();
            long offset = l._1().get();
            Text text = l._2();
            int from = 0;
            int length = text.getLength();
            byte[] bytes = text.getBytes();
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
            if (offset == 0 && length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                    && (bytes[2] & 0xff) == 0xBF) {
                from = 3;
            }
            String line;
            try {
                CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, from, length - from));
                line = chars.toString();
            } catch (CharacterCodingException e) {
                throw new TaskFailure(file + ": invalid UTF-8 in the line at byte offset " + offset + "; convert "
                        + "the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)", e);
            }
            if (jsonl) {
                if (!line.isBlank()) { // blank lines between objects are ignored
                    // a document: its lines are its sentences (as CorpusEncoder reads one), then a break
                    for (String sentence : jsonText(line, file, offset).split("\n")) {
                        if (!sentence.isBlank()) {
                            Encoding e = t.encode(sentence, false);
                            out.add(new Piece(fileIndex, e.ids(), e.wordIndices()));
                        }
                    }
                    addBreak(out, fileIndex);
                }
                continue;
            }
            if (line.isBlank()) {
                addBreak(out, fileIndex);
                continue;
            }
            Encoding e = t.encode(line, false);
            out.add(new Piece(fileIndex, e.ids(), e.wordIndices()));
        }
        return out.iterator();
    }

    /** A break after the last piece (a document's end); runs of breaks are one. */
    private static void addBreak(List<Piece> out, int fileIndex) {
        if (out.isEmpty() || out.get(out.size() - 1).ids() != null) {
            out.add(new Piece(fileIndex, null, null));
        }
    }

    /** The document of one JSON lines line: its "text" string, or an error naming the file and the line. */
    private static String jsonText(String line, String file, long offset) {
        String where = file + ": the line at byte offset " + offset;
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            int marker = why.indexOf(" (start marker");
            throw new TaskFailure(where + " is malformed JSON (" + (marker < 0 ? why : why.substring(0, marker))
                    + " at column "
                    + e.getLocation().getColumnNr() + "); each line must be one complete JSON object: fix the line",
                    e);
        }
        if (node == null || !node.isObject()) {
            throw new TaskFailure(where + " is not a JSON object; each line must be one object like {\""
                    + TEXT_FIELD + "\": \"...\"}: fix the line", null);
        }
        JsonNode text = node.get(TEXT_FIELD);
        if (text == null || !text.isTextual()) {
            throw new TaskFailure(where + " has no string field \"" + TEXT_FIELD + "\"; add it (graft reads the "
                    + "document of a JSON lines corpus from its \"" + TEXT_FIELD + "\" field)", null);
        }
        return text.asText();
    }
}
