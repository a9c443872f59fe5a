package dev.graft.data;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writers of the canonical split files, counting what they write for the card. */
final class SplitWriters {
    private SplitWriters() {
    }

    /** Counts for one split, accumulated while writing. */
    private static final class Counter {
        long records;
        long documents;
        long tokens;
        long characters;
        final Map<String, Long> labels = new TreeMap<>();

        DatasetCard.SplitCounts toCounts(boolean text) {
            return new DatasetCard.SplitCounts(records, text ? documents : null, tokens, characters,
                    labels.isEmpty() ? null : new LinkedHashMap<>(labels));
        }
    }

    static long countTokens(String s) {
        long n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            boolean space = Character.isWhitespace(s.charAt(i));
            if (!space && !in) {
                n++;
            }
            in = !space;
        }
        return n;
    }

    /** One line of text: line breaks and tabs become spaces, runs of them collapse, ends stripped. */
    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\u2028\\u2029\\u0085]+", " ").strip();
    }

    /** The three split files {@code DIR/{train,dev,test}.EXT}, open for writing, with their counts. */
    abstract static class SplitFiles implements Closeable {
        final Map<Split, BufferedWriter> out = new EnumMap<>(Split.class);
        final Map<Split, Counter> counts = new EnumMap<>(Split.class);
        private final String directory;
        private final String extension;
        private final boolean text;

        SplitFiles(Path datasetDir, String directory, String extension, boolean text) throws IOException {
            this.directory = directory;
            this.extension = extension;
            this.text = text;
            Path dir = datasetDir.resolve(directory);
            Files.createDirectories(dir);
            for (Split s : Split.values()) {
                out.put(s, Files.newBufferedWriter(dir.resolve(s.id() + extension), StandardCharsets.UTF_8));
                counts.put(s, new Counter());
            }
        }

        Map<String, String> files() {
            Map<String, String> m = new LinkedHashMap<>();
            for (Split s : Split.values()) {
                m.put(s.id(), directory + "/" + s.id() + extension);
            }
            return m;
        }

        Map<String, DatasetCard.SplitCounts> counts() {
            Map<String, DatasetCard.SplitCounts> m = new LinkedHashMap<>();
            counts.forEach((s, c) -> m.put(s.id(), c.toCounts(text)));
            return m;
        }

        @Override
        public void close() throws IOException {
            for (BufferedWriter w : out.values()) {
                w.close();
            }
        }
    }

    /**
     * Writes {@code DIR/train.txt}, {@code dev.txt}, {@code test.txt}: documents of one or more lines,
     * each document followed by a blank line.
     */
    static final class Text extends SplitFiles {
        Text(Path datasetDir, String directory) throws IOException {
            super(datasetDir, directory, ".txt", true);
        }

        /** Writes one document; blank lines are dropped, a document with no lines is not written. */
        void document(Split split, List<String> lines) throws IOException {
            BufferedWriter w = out.get(split);
            Counter c = counts.get(split);
            boolean any = false;
            for (String line : lines) {
                String l = oneLine(line);
                if (l.isEmpty()) {
                    continue;
                }
                w.write(l);
                w.write('\n');
                c.records++;
                c.tokens += countTokens(l);
                c.characters += l.length();
                any = true;
            }
            if (any) {
                w.write('\n');
                c.documents++;
            }
        }
    }

    /** Writes {@code DIR/train.jsonl}, {@code dev.jsonl}, {@code test.jsonl} of examples. */
    static final class Examples extends SplitFiles {
        Examples(Path datasetDir, String directory) throws IOException {
            super(datasetDir, directory, ".jsonl", false);
        }

        void write(Split split, ClassificationExample e) throws IOException {
            JsonLines.write(out.get(split), e);
            Counter c = counts.get(split);
            c.records++;
            c.tokens += countTokens(e.text());
            c.characters += e.text().length();
            c.labels.merge(e.label(), 1L, Long::sum);
        }

        void write(Split split, TaggingExample e) throws IOException {
            JsonLines.write(out.get(split), e);
            Counter c = counts.get(split);
            c.records++;
            c.tokens += e.size();
            for (String t : e.tokens()) {
                c.characters += t.length();
            }
            for (String t : e.tags()) {
                c.labels.merge(t, 1L, Long::sum);
            }
        }

        /** The labels seen in any split, sorted. */
        List<String> labels() {
            TreeMap<String, Long> all = new TreeMap<>();
            counts.values().forEach(c -> c.labels.forEach((k, v) -> all.merge(k, v, Long::sum)));
            return List.copyOf(all.keySet());
        }
    }
}
