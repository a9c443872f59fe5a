package dev.graft.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The King James Bible, from Debian: {@code bible-kjv-text} holds the text in the compressed format of
 * the Bible Retrieval System ({@code /usr/lib/bible.data}), and {@code bible-kjv} the {@code bible}
 * program that reads it. Both packages are extracted with {@code dpkg-deb -x} into a scratch directory
 * and the extracted program is run there ({@code bible -f -p DIR gen1:1-rev22:21}: pretty-printing off,
 * so one verse per line as "Ge1:1 In the beginning ..."). Decoding the data file directly would mean
 * re-implementing its compression; running the packaged reader is the robust way. The program is an
 * amd64 binary needing {@code libreadline8}, so fetching kjv works on amd64 Debian/Ubuntu machines.
 *
 * <p>{@code kjv} (text): one verse per line (the reference dropped), a blank line after each chapter.
 * Split unit: the chapter, unstratified.
 */
public final class KjvDataset extends StandardDataset {
    static final Source TEXT = new Source(Source.Registry.DEBIAN, "bible-kjv-text", "4.38",
            "d61b6aad4c51ba9e2800b825325fa6a09e99a0d02a9bb6dc4724fcc4995a1b7a");
    static final Source PROGRAM = new Source(Source.Registry.DEBIAN, "bible-kjv", "4.38",
            "75a49c032a6efa9faa2beb4a9acb70974380122906329d0e100de36cc88ff02d");
    /** Verses in the KJV (Protestant canon, 66 books): the output must have exactly this many. */
    static final int VERSES = 31_102;
    private static final Pattern VERSE = Pattern.compile("([1-3]?[A-Za-z]+)(\\d+):(\\d+) (.*)");

    /** One verse: book abbreviation, chapter, verse number, text. */
    record Verse(String book, int chapter, int verse, String text) {
        String chapterId() {
            return book + chapter;
        }
    }

    public KjvDataset() {
        super("kjv",
                "King James Bible (1611; 66 books, 31,102 verses): text",
                "public domain text (copyright expired); the bible program: GPL-2+ / unrestricted use (Debian copyright file)",
                List.of(TEXT, PROGRAM));
    }

    /** Parses the {@code bible -f} dump: one "BookC:V text" per line. */
    static List<Verse> parse(List<String> lines) throws IOException {
        List<Verse> verses = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            Matcher m = VERSE.matcher(line.strip());
            if (!m.matches()) {
                throw new IOException("line " + n + " of the bible program's output is not 'BookC:V text': " + line);
            }
            verses.add(new Verse(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4).strip()));
        }
        return verses;
    }

    @Override
    public DatasetCard build(BuildContext context) throws IOException {
        Path root = context.workDir().resolve("root");
        Path textDeb = context.download(TEXT.name());
        Path programDeb = context.download(PROGRAM.name());
        context.clients().extractDeb(textDeb, root);
        context.clients().extractDeb(programDeb, root);
        Path bible = root.resolve("usr/bin/bible");
        Path data = root.resolve("usr/lib/bible.data");
        if (!Files.isRegularFile(bible) || !Files.isRegularFile(data)) {
            throw new IOException("the Debian packages did not contain usr/bin/bible and usr/lib/bible.data");
        }
        RegistryClients.Result r = context.clients().runAllowingFailure(
                List.of(bible.toString(), "-f", "-p", data.getParent().toString(), "gen1:1-rev22:21"),
                context.workDir(), Map.of());
        if (r.exitCode() != 0) {
            String err = r.stderr().strip();
            throw new IOException("running the extracted bible program failed (exit " + r.exitCode() + "): " + err
                        + (err.contains("libreadline") ? " (install the Debian package libreadline8)" : ""));
        }
        List<Verse> verses = parse(r.stdout().lines().toList());
        if (verses.size() != VERSES) {
            throw new IOException("the bible program printed " + verses.size() + " verses, expected " + VERSES);
        }
        return write(context, verses, textDeb, programDeb);
    }

    DatasetCard write(BuildContext context, List<Verse> verses, Path textDeb, Path programDeb) throws IOException {
        Map<String, List<String>> chapters = new LinkedHashMap<>();
        LinkedHashSet<String> books = new LinkedHashSet<>();
        for (Verse v : verses) {
            chapters.computeIfAbsent(v.chapterId(), k -> new ArrayList<>()).add(v.text());
            books.add(v.book());
        }
        List<String> ids = new ArrayList<>(chapters.keySet());
        Map<String, Split> assignment = SeededSplit.assign(ids, id -> id, id -> "", SeededSplit.seedFor(name()));
        try (var text = new SplitWriters.Text(context.outputDir(), "text")) {
            for (var c : chapters.entrySet()) {
                text.document(assignment.get(c.getKey()), c.getValue());
            }
            Map<String, Long> sourceCounts = new LinkedHashMap<>();
            sourceCounts.put("books", (long) books.size());
            sourceCounts.put("chapters", (long) chapters.size());
            sourceCounts.put("verses", (long) verses.size());
            sourceCounts.put("tokens", verses.stream().mapToLong(v -> SplitWriters.countTokens(v.text())).sum());
            List<DatasetCard.SourceInfo> sources = new ArrayList<>();
            if (textDeb != null) {
                sources.add(Cards.source(TEXT, textDeb, "public domain text"));
                sources.add(Cards.source(PROGRAM, programDeb, "GPL-2+"));
            }
            return new DatasetCard(name(), formatVersion(), description(), license(), sources, sourceCounts, Map.of(),
                    Cards.split(name(), "chapter (e.g. Ge1)", "", assignment),
                    Map.of("kjv", new DatasetCard.SetInfo("text", "one verse per line, reference dropped",
                            "UTF-8 text: one verse per line, a blank line after each chapter", text.files(), null,
                            text.counts())),
                    List.of("Dumped by running the bible program of bible-kjv, extracted with dpkg-deb -x, on the data "
                            + "of bible-kjv-text: bible -f -p DIR gen1:1-rev22:21."),
                    Cards.now());
        }
    }
}
