package dev.graft.spark.pretrain;

import dev.graft.model.ModelOverrides;
import dev.graft.data.Corpora;
import dev.graft.data.CorpusReader;
import dev.graft.data.DatasetRegistry;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.Fixtures;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.tokenizer.Tokenizer;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokenization as a Spark job gives the ids of single-process encoding. */
class SparkCorpusTest {

    private static FlatCorpus single(Tokenizer t, List<String> files) throws IOException {
        return single(t, files, CorpusReader.Layout.LINES, DatasetRegistry.standard());
    }

    /** What graft pretrain encodes on one machine. */
    private static FlatCorpus single(Tokenizer t, List<String> specs, CorpusReader.Layout layout,
                                     DatasetRegistry registry) throws IOException {
        Corpora corpora = Corpora.resolve(specs, registry, layout, new PrintStream(new ByteArrayOutputStream()));
        try (Stream<String> docs = corpora.documents()) {
            return FlatCorpus.of(CorpusEncoder.encode(t, docs.iterator(), 1, null));
        }
    }

    @Test
    void executorsEncodeTheIdsOfSingleProcessEncoding() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        Path dir = Files.createTempDirectory(Fixtures.root(), "spark-corpus");
        List<String> lines = new ArrayList<>(Fixtures.sentences(500, 31));
        lines.set(3, "");
        lines.set(4, "   ");
        lines.set(10, "the plot\r"); // CRLF
        lines.set(11, "caf\u00e9 na\u00efve \u00fcber the film"); // beyond ASCII
        lines.set(12, "a film\rwith a lone carriage return"); // not a line break for graft's reader
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path a = dir.resolve("a.txt");
        Files.write(a, bom);
        Files.writeString(a, String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        Path b = Files.writeString(dir.resolve("b.txt"), String.join("\n", Fixtures.sentences(50, 32)));
        List<String> files = List.of(a.toString(), b.toString());

        FlatCorpus expected = single(t, files);
        FlatCorpus actual = FlatCorpus.of(SparkCorpus.encode(sc, t, files, 3));
        assertThat(actual.tokens()).hasSizeGreaterThan(1000).containsExactly(expected.tokens());
        assertThat(actual.words()).containsExactly(expected.words());
        assertThat(actual.sentenceEnds()).containsExactly(expected.sentenceEnds());
        assertThat(actual.documentEnds()).containsExactly(expected.documentEnds());
        assertThat(actual.documentEnds()).hasSize(548); // 550 lines less two blank ones
    }

    private static void assertSame(FlatCorpus actual, FlatCorpus expected) {
        assertThat(actual.tokens()).containsExactly(expected.tokens());
        assertThat(actual.words()).containsExactly(expected.words());
        assertThat(actual.sentenceEnds()).containsExactly(expected.sentenceEnds());
        assertThat(actual.documentEnds()).containsExactly(expected.documentEnds());
    }

    @Test
    void paragraphsSplitAcrossPartitionsGiveTheIdsOfSingleProcessEncoding() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        Path dir = Files.createTempDirectory(Fixtures.root(), "spark-paragraphs");
        java.util.Random r = new java.util.Random(5);
        List<String> sentences = Fixtures.sentences(600, 35);
        String[] blanks = {"", "", "  ", "\r", "\t"}; // blank lines: empty, spaces, CRLF, a tab
        List<Path> files = new ArrayList<>();
        int paragraphs = 0;
        for (int f = 0; f < 2; f++) {
            StringBuilder text = new StringBuilder(f == 0 ? "\uFEFF" : "\n\n"); // a BOM; leading blank lines
            for (int i = f * 300; i < (f + 1) * 300; ) {
                int lines = 1 + r.nextInt(6);
                for (int l = 0; l < lines && i < (f + 1) * 300; l++, i++) {
                    text.append(sentences.get(i)).append(r.nextInt(4) == 0 ? "\r\n" : "\n");
                }
                paragraphs++;
                for (int b = 1 + r.nextInt(3); b > 0; b--) {
                    text.append(blanks[r.nextInt(blanks.length)]).append('\n');
                }
            }
            if (f == 1) {
                text.append("the last paragraph\nends without a newline");
                paragraphs++;
            }
            files.add(Files.writeString(dir.resolve("p" + f + ".txt"), text, StandardCharsets.UTF_8));
        }
        List<String> specs = files.stream().map(Path::toString).toList();
        DatasetRegistry registry = DatasetRegistry.standard();
        FlatCorpus expected = single(t, specs, CorpusReader.Layout.PARAGRAPHS, registry);
        List<SparkCorpus.Source> sources = SparkCorpus.sources(specs, CorpusReader.Layout.PARAGRAPHS, registry,
                new PrintStream(new ByteArrayOutputStream()));
        // small splits, so that paragraphs run across them
        FlatCorpus actual = FlatCorpus.of(SparkCorpus.encodeSources(sc, t, sources, 7));
        assertSame(actual, expected);
        assertThat(actual.documentEnds()).hasSize(paragraphs);
        assertThat(actual.sentenceEnds()).hasSize(602);
        // the same files as lines are other documents: the layout is honoured
        assertThat(FlatCorpus.of(SparkCorpus.encode(sc, t, specs, 3)).documentEnds()).hasSize(602);
    }

    @Test
    void aDatasetNameIsItsTrainingSplitReadByParagraph() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        // a registry whose moby-dick is already fetched: a card and its split files, no download
        Path home = Files.createTempDirectory(Fixtures.root(), "datasets");
        Path set = Files.createDirectories(home.resolve("moby-dick/text"));
        StringBuilder train = new StringBuilder();
        List<String> sentences = Fixtures.sentences(90, 36);
        for (int i = 0; i < sentences.size(); i++) {
            train.append(sentences.get(i)).append(i % 3 == 2 ? "\n\n" : "\n");
        }
        Files.writeString(set.resolve("train.txt"), train);
        Files.writeString(set.resolve("dev.txt"), "a film\n");
        Files.writeString(set.resolve("test.txt"), "a film\n");
        Files.writeString(home.resolve("moby-dick/card.json"), "{\"name\": \"moby-dick\", \"formatVersion\": 1, "
                + "\"sets\": {\"moby-dick\": {\"kind\": \"text\", \"files\": {\"train\": \"text/train.txt\", "
                + "\"dev\": \"text/dev.txt\", \"test\": \"text/test.txt\"}}}}");
        DatasetRegistry registry = new DatasetRegistry(home, dev.graft.data.RegistryClients.fromEnvironment(),
                dev.graft.data.StandardDatasets.all());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        // the file layout (lines) does not apply to a dataset: graft pretrain reads datasets by paragraph
        List<SparkCorpus.Source> sources = SparkCorpus.sources(List.of("moby-dick"), CorpusReader.Layout.LINES,
                registry, quiet);
        assertThat(sources).containsExactly(new SparkCorpus.Source(set.resolve("train.txt").toString(),
                CorpusReader.Layout.PARAGRAPHS));
        FlatCorpus actual = FlatCorpus.of(SparkCorpus.encodeSources(sc, t, sources, 3));
        assertSame(actual, single(t, List.of("moby-dick"), CorpusReader.Layout.LINES, registry));
        assertThat(actual.documentEnds()).hasSize(30);
        assertThatThrownBy(() -> SparkCorpus.sources(List.of("no-such-set"), CorpusReader.Layout.LINES, registry,
                quiet)).hasMessageContaining("no-such-set: no such corpus file or dataset");
    }

    @Test
    void jsonLinesGiveTheIdsOfSingleProcessEncoding() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        Path dir = Files.createTempDirectory(Fixtures.root(), "spark-jsonl");
        java.util.Random r = new java.util.Random(7);
        List<String> sentences = Fixtures.sentences(400, 37);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder text = new StringBuilder("\uFEFF"); // a byte-order mark
        int documents = 0;
        for (int i = 0; i < sentences.size(); documents++) {
            // a document of 1-4 sentences, its lines joined by \n (sometimes \r\n or a blank line between)
            StringBuilder doc = new StringBuilder();
            for (int k = 1 + r.nextInt(4); k > 0 && i < sentences.size(); k--, i++) {
                doc.append(doc.isEmpty() ? "" : r.nextInt(5) == 0 ? "\n\n" : r.nextInt(4) == 0 ? "\r\n" : "\n")
                        .append(sentences.get(i));
            }
            var node = json.createObjectNode().put("id", documents).put("text", doc.toString());
            text.append(json.writeValueAsString(node)).append(r.nextInt(4) == 0 ? "\r\n" : "\n");
            if (r.nextInt(10) == 0) {
                text.append(r.nextBoolean() ? "\n" : "   \n"); // blank lines between objects are ignored
            }
        }
        text.append("{\"text\": \"caf\u00e9 \\u00fcber the film\", \"label\": 1}\n"); // an escape, non-ASCII
        text.append("{\"text\": \"   \"}\n"); // a blank document: no document at all
        text.append("{\"text\": \"the last object\\nends without a newline\"}");
        documents += 2;
        Path a = Files.writeString(dir.resolve("docs.jsonl"), text, StandardCharsets.UTF_8);
        // the same objects gzip-compressed, after a text file read by lines
        Path b = Files.writeString(dir.resolve("lines.txt"), String.join("\n", Fixtures.sentences(30, 38)) + "\n");
        Path c = dir.resolve("docs.jsonl.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(c))) {
            out.write(Files.readAllBytes(a));
        }
        List<String> specs = List.of(a.toString(), b.toString(), c.toString());
        DatasetRegistry registry = DatasetRegistry.standard();
        FlatCorpus expected = single(t, specs, CorpusReader.Layout.LINES, registry);
        List<SparkCorpus.Source> sources = SparkCorpus.sources(specs, CorpusReader.Layout.LINES, registry,
                new PrintStream(new ByteArrayOutputStream()));
        assertThat(sources.stream().map(SparkCorpus.Source::jsonl)).containsExactly(true, false, true);
        FlatCorpus actual = FlatCorpus.of(SparkCorpus.encodeSources(sc, t, sources, 5)); // objects across splits
        assertSame(actual, expected);
        assertThat(actual.documentEnds()).hasSize(2 * documents + 30);
        assertThat(actual.sentenceEnds()).hasSize(2 * (400 + 1 + 2) + 30);
    }

    @Test
    void malformedJsonLinesAreClearErrors() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        Path dir = Files.createTempDirectory(Fixtures.root(), "spark-jsonl-bad");
        String good = "{\"text\": \"a film\"}\n"; // 19 bytes
        Path malformed = Files.writeString(dir.resolve("malformed.jsonl"), good + "{\"text\": \"a film\"\n");
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(malformed.toString()), 0))
                .hasMessageContaining(malformed + ": the line at byte offset 19 is malformed JSON")
                .hasMessageContaining("fix the line");
        Path array = Files.writeString(dir.resolve("array.jsonl"), good + good + "[1, 2]\n");
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(array.toString()), 0))
                .hasMessageContaining(array + ": the line at byte offset 38 is not a JSON object");
        Path noText = Files.writeString(dir.resolve("no-text.jsonl"), "{\"body\": \"a film\"}\n");
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(noText.toString()), 0))
                .hasMessageContaining(noText + ": the line at byte offset 0 has no string field \"text\"");
        Path number = Files.writeString(dir.resolve("number.jsonl"), "{\"text\": 3}\n");
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(number.toString()), 0))
                .hasMessageContaining("has no string field \"text\"");
    }

    @Test
    void invalidUtf8AndMissingFilesAreClearErrors() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(Fixtures.spark().sparkContext());
        Tokenizer t = Tokenizer.load(Fixtures.pretrained());
        Path dir = Files.createTempDirectory(Fixtures.root(), "spark-corpus-bad");
        Path bad = dir.resolve("latin1.txt");
        Files.write(bad, "a film\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(bad.toString()), 0))
                .hasMessageContaining(bad + ": invalid UTF-8 in the line at byte offset 7")
                .hasMessageContaining("iconv");
        assertThatThrownBy(() -> SparkCorpus.encode(sc, t, List.of(dir.resolve("none.txt").toString()), 0))
                .hasMessageContaining("none.txt: no such corpus file");
    }

    @Test
    void aRunTokenizedOnTheExecutorsTrainsAsOneTokenizedOnTheDriver() throws IOException {
        Path root = Files.createTempDirectory(Fixtures.root(), "spark-corpus-run");
        Path corpus = Fixtures.corpus("spark-corpus-run.txt", 200, 33);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path tokenizer = Fixtures.pretrained();
        PretrainSpec.Builder spec = PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), root.resolve("a"))
                .model(new ModelOverrides(1, 32, 2, 37, null)).tokenizer(tok -> tok.withVocabSize(99).withPath(tokenizer))
                .seqLen(24).batchSize(8).run(ro -> ro.withSteps(4).withThreads(1).withSeed(2))
                .monitoring(mon -> mon.withIntervals(1, 0, mon.checkpointEvery()));
        DilocoSettings settings = DilocoSettings.paper(2, 2);
        Diloco.run(spec.build(), settings, Fixtures.spark(), false, quiet);
        Diloco.run(spec.run(ro -> ro.withOut(root.resolve("b"))).build(), settings, Fixtures.spark(), true, quiet);
        Map<Long, Double> a = DilocoTest.losses(root.resolve("a"));
        assertThat(DilocoTest.losses(root.resolve("b"))).isEqualTo(a).hasSize(4);
    }
}
