package dev.graft.spark.pretrain;

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

import java.io.IOException;
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
 * are split by Spark, each executor encodes its part, and the driver gathers the encoded documents in file and
 * line order into the {@link EncodedCorpus} that single-process encoding ({@code CorpusEncoder} over the files
 * read with the "lines" layout) gives: every non-blank line a document, lines broken at '\n' with a '\r' before it
 * dropped, a UTF-8 byte-order mark at the start of a file dropped, invalid UTF-8 an error that names the file and
 * byte offset.
 */
public final class SparkCorpus {
    /** Tokenizers loaded from a broadcast tokenizer.json, once per executor JVM. */
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private SparkCorpus() {
    }

    /** One encoded document: its sentences' token ids and word ids. */
    record Document(int[][] ids, int[][] words) implements Serializable {
    }

    /** Encodes {@code files} with {@code tokenizer} on Spark's executors. */
    public static EncodedCorpus encode(JavaSparkContext sc, Tokenizer tokenizer, List<String> files, int partitions)
            throws IOException {
        for (String f : files) {
            boolean uri = f.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
            if (!uri && !Files.isRegularFile(Path.of(f))) {
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
        try {
            Configuration conf = new Configuration(sc.hadoopConfiguration());
            conf.set("textinputformat.record.delimiter", "\n"); // as graft's reader: '\n' only
            JavaRDD<Document> all = null;
            for (String f : files) {
                String file = f;
                JavaRDD<Document> docs = sc.newAPIHadoopFile(f, TextInputFormat.class, LongWritable.class, Text.class,
                                conf)
                        .mapPartitions(lines -> encodePartition(lines, file, key, shipped));
                if (partitions > 0 && docs.getNumPartitions() < partitions) {
                    // more splits of the file: re-read with a smaller split size
                    Configuration split = new Configuration(conf);
                    long size = Math.max(1, fileSize(sc, f) / partitions + 1);
                    split.setLong("mapreduce.input.fileinputformat.split.maxsize", size);
                    docs = sc.newAPIHadoopFile(f, TextInputFormat.class, LongWritable.class, Text.class, split)
                            .mapPartitions(lines -> encodePartition(lines, file, key, shipped));
                }
                all = all == null ? docs : all.union(docs);
            }
            EncodedCorpus corpus = new EncodedCorpus();
            Iterator<Document> it = all.toLocalIterator();
            while (it.hasNext()) {
                Document d = it.next();
                for (int s = 0; s < d.ids().length; s++) {
                    corpus.addSentence(d.ids()[s], d.words()[s]);
                }
                corpus.endDocument();
            }
            return corpus;
        } catch (RuntimeException e) {
            String why = TaskFailure.explain(e);
            throw why != null ? new IllegalArgumentException(why, e) : e;
        } finally {
            shipped.destroy();
        }
    }

    private static long fileSize(JavaSparkContext sc, String f) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
        return p.getFileSystem(sc.hadoopConfiguration()).getFileStatus(p).getLen();
    }

    private static Iterator<Document> encodePartition(Iterator<scala.Tuple2<LongWritable, Text>> lines, String file,
                                                      String key, Broadcast<String> json) throws IOException {
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
        List<Document> out = new ArrayList<>();
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
            if (line.isBlank()) {
                continue;
            }
            Encoding e = t.encode(line, false);
            out.add(new Document(new int[][] {e.ids()}, new int[][] {e.wordIndices()}));
        }
        return out.iterator();
    }
}
