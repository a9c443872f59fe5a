package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sentiment Labelled Sentences (Kotzias et al., KDD 2015; UCI), as shipped in the test fixtures of npm
 * {@code sentiment@5.0.2}: {@code test/fixtures/{amazon,imdb,yelp}.json}, each an array of
 * {@code {text, class}} with class 0 (negative) or 1 (positive).
 *
 * <p>{@code sentiment-uci} (classification): one sentence per record, label {@code negative} or
 * {@code positive}, the domain kept as field {@code domain}; id {@code DOMAIN-N}, N the 1-based position
 * in the fixture. Records with an empty text or no class are dropped and counted in the card (each
 * fixture ends with one). Split unit: the sentence, stratified by domain and label.
 */
public final class SentimentUciDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.NPM, "sentiment", "5.0.2",
            "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f");
    static final List<String> DOMAINS = List.of("amazon", "imdb", "yelp");

    public SentimentUciDataset() {
        super("sentiment-uci",
                "UCI Sentiment Labelled Sentences: 3 x 1,000 Amazon/IMDb/Yelp sentences, positive/negative",
                "UCI dataset (Kotzias, Denil, de Freitas, Smyth, KDD 2015), distributed in the MIT-licensed sentiment package",
                List.of(SOURCE),
                List.of(new SetDescriptor("sentiment-uci", SetKind.CLASSIFICATION, "sentences")),
                1);
    }

    /** The examples of the three fixtures; empty records counted in {@code dropped}. */
    static List<ClassificationExample> parse(Path tgz, Map<String, Long> dropped) throws IOException {
        Map<String, String> entries = Packages.readTextEntries(tgz, n -> n.startsWith("package/test/fixtures/"));
        List<ClassificationExample> out = new ArrayList<>();
        for (String domain : DOMAINS) {
            String json = entries.get("package/test/fixtures/" + domain + ".json");
            if (json == null) {
                throw new IOException(tgz + " has no test/fixtures/" + domain + ".json: not the package graft expects");
            }
            JsonNode array = JsonLines.JSON.readTree(json);
            int n = 0;
            for (JsonNode r : array) {
                n++;
                JsonNode text = r.get("text");
                JsonNode cls = r.get("class");
                if (text == null || text.asText().isBlank() || cls == null || cls.isNull()) {
                    dropped.merge("empty record (no text or no class)", 1L, Long::sum);
                    continue;
                }
                String label = switch (cls.asInt(-1)) {
                    case 0 -> "negative";
                    case 1 -> "positive";
                    default -> throw new IOException(domain + ".json record " + n + " has class " + cls + ", not 0 or 1");
                };
                out.add(new ClassificationExample(domain + "-" + n, text.asText().strip(), label, Map.of("domain", domain)));
            }
        }
        return out;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path tgz = context.download(SOURCE.name());
        Map<String, Long> dropped = new TreeMap<>();
        List<ClassificationExample> examples = parse(tgz, dropped);
        Map<String, Split> assignment = SeededSplit.assign(examples, ClassificationExample::id,
                e -> e.field("domain") + "/" + e.label(), SeededSplit.seedFor(name()));
        try (var w = new SplitWriters.Examples(context.outputDir(), "sentences")) {
            for (ClassificationExample e : examples) {
                w.write(assignment.get(e.id()), e);
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("records", examples.size() + dropped.values().stream().mapToLong(Long::longValue).sum());
            sourceCounts.put("examples", (long) examples.size());
            for (String d : DOMAINS) {
                for (String l : List.of("negative", "positive")) {
                    sourceCounts.put("examples." + d + "." + l,
                            examples.stream().filter(e -> e.field("domain").equals(d) && e.label().equals(l)).count());
                }
            }
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, tgz, "MIT (package)")), sourceCounts, dropped,
                    Cards.split(name(), "sentence", "domain and label", assignment),
                    Map.of("sentiment-uci", new DatasetCard.SetInfo("classification",
                            "one review sentence labeled negative or positive", "JSON Lines {id, text, label, domain}",
                            w.files(), w.labels(), w.counts())),
                    List.of("A few sentences occur twice within a domain; they are kept, as in the source."), Cards.now());
        }
    }
}
