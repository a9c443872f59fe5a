package dev.graft.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default pretraining corpus of the demo: the text sets of brown, sotu, moby-dick and kjv,
 * concatenated in that order, split by split (their train files make its train file, and so on), so it
 * inherits their splits and never puts a held-out brown sentence into training.
 */
public final class EnglishCorpusDataset extends StandardDataset {
    static final List<String> PARTS = List.of("brown", "sotu", "moby-dick", "kjv");

    public EnglishCorpusDataset() {
        super("english-corpus",
                "brown + sotu + moby-dick + kjv text: the demo's default pretraining corpus",
                "as its parts (all public domain or permissive; see their cards)",
                List.of());
    }

    @Override
    public List<String> dependencies() {
        return PARTS;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path dir = context.outputDir().resolve("text");
        Files.createDirectories(dir);
        List<DatasetCard.SourceInfo> sources = new ArrayList<>();
        Map<String, long[]> totals = new LinkedHashMap<>(); // split -> records, documents, tokens, characters
        Map<String, Long> sourceCounts = new LinkedHashMap<>();
        List<DatasetCard> cards = new ArrayList<>();
        for (String part : PARTS) {
            Path card = context.datasets().resolve(part).resolve("card.json");
            if (!Files.isRegularFile(card)) {
                throw new IOException("english-corpus needs " + part + ", which is not fetched: run 'graft data fetch " + part + "'");
            }
            cards.add(DatasetCard.read(card));
        }
        for (Split s : Split.values()) {
            long[] t = new long[4];
            try (OutputStream out = Files.newOutputStream(dir.resolve(s.id() + ".txt"))) {
                for (int i = 0; i < PARTS.size(); i++) {
                    DatasetCard c = cards.get(i);
                    DatasetCard.SetInfo text = c.sets().get(PARTS.get(i));
                    Files.copy(context.datasets().resolve(PARTS.get(i)).resolve(text.files().get(s.id())), out);
                    DatasetCard.SplitCounts n = text.counts().get(s.id());
                    t[0] += n.records();
                    t[1] += n.documents() == null ? 0 : n.documents();
                    t[2] += n.tokens();
                    t[3] += n.characters();
                }
            }
            totals.put(s.id(), t);
        }
        for (int i = 0; i < PARTS.size(); i++) {
            DatasetCard c = cards.get(i);
            sources.addAll(c.sources());
            long tokens = c.sets().get(PARTS.get(i)).counts().values().stream().mapToLong(DatasetCard.SplitCounts::tokens).sum();
            sourceCounts.put("tokens." + PARTS.get(i), tokens);
        }
        Map<String, String> files = new LinkedHashMap<>();
        Map<String, DatasetCard.SplitCounts> counts = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            files.put(s.id(), "text/" + s.id() + ".txt");
            long[] t = totals.get(s.id());
            counts.put(s.id(), new DatasetCard.SplitCounts(t[0], t[1], t[2], t[3], null));
        }
        return new DatasetCard(name(), formatVersion(), description(), license(), sources, sourceCounts, Map.of(),
                new DatasetCard.SplitInfo("each part's own split (see its card); the files are the parts' split files "
                        + "concatenated in the order " + String.join(", ", PARTS), null, "as each part", "", null, null),
                Map.of("english-corpus", new DatasetCard.SetInfo("text", "lines of its parts (sentences, speeches, "
                        + "paragraphs, verses)", "UTF-8 text: documents of one or more lines, each followed by a blank line",
                        files, null, counts)),
                List.of("Made from the fetched " + String.join(", ", PARTS) + "; their checksums are listed as sources."),
                Cards.now());
    }
}
