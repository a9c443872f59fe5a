package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a token-tagging file into memory.
 *
 * <ul>
 *   <li>{@link Format#CONLL}: one token per line, columns separated by whitespace (tabs or spaces), a
 *       blank line between sentences; lines whose first column is {@code -DOCSTART-} are skipped. The
 *       token is column {@link Options#tokenColumn()} (default 0) and the tag column
 *       {@link Options#tagColumn()} (default -1: the last). Every token line must have as many columns as
 *       the first token line of the file.</li>
 *   <li>{@link Format#SLASH}: one sentence per line, tokens separated by whitespace, each written
 *       {@code word/TAG} (split at the last slash, so {@code 1/2/CD} is the word "1/2").</li>
 *   <li>{@link Format#JSONL}: {@code {"tokens": [...], "tags": [...], "id": ...}} per line (the form
 *       graft writes for fetched tagging sets).</li>
 * </ul>
 *
 * {@link Format#AUTO} takes JSONL for {@code .jsonl}; otherwise it looks at the first non-blank line
 * that is not {@code -DOCSTART-}: SLASH when every whitespace-separated item contains a slash with text
 * on both sides and there are at least two, or one item with no other column; CONLL otherwise. Ids are
 * "line-N" (the line where the sentence starts) unless the JSONL record has one.
 */
public final class TaggingReader {
    /** File formats. */
    public enum Format { AUTO, CONLL, SLASH, JSONL }

    /**
     * @param format       file format
     * @param tokenColumn  CoNLL column of the token (0-based; negative counts from the end)
     * @param tagColumn    CoNLL column of the tag (0-based; negative counts from the end; default -1)
     * @param knownTags    when not null, tags outside this set are bad input (evaluation data)
     * @param maxLineBytes lines longer than this are bad input
     */
    public record Options(Format format, int tokenColumn, int tagColumn, LabelSet knownTags, int maxLineBytes) {
        public Options {
            Objects.requireNonNull(format, "format");
        }

        public static Options defaults() {
            return new Options(Format.AUTO, 0, -1, null, DataFiles.DEFAULT_MAX_LINE_BYTES);
        }

        public Options withFormat(Format f) {
            return new Options(f, tokenColumn, tagColumn, knownTags, maxLineBytes);
        }

        public Options withTagColumn(int c) {
            return new Options(format, tokenColumn, c, knownTags, maxLineBytes);
        }

        public Options withKnownTags(LabelSet tags) {
            return new Options(format, tokenColumn, tagColumn, tags, maxLineBytes);
        }

        public Options withMaxLineBytes(int m) {
            return new Options(format, tokenColumn, tagColumn, knownTags, m);
        }
    }

    private TaggingReader() {
    }

    /** Reads {@code file} with the default options, failing on the first bad record. */
    public static List<TaggingExample> read(Path file) throws IOException {
        return read(file, Options.defaults(), BadInput.strict());
    }

    /** Reads {@code file}. */
    public static List<TaggingExample> read(Path file, Options options, BadInput badInput) throws IOException {
        long skippedBefore = badInput.skipped();
        Format format = options.format() == Format.AUTO ? detect(file, options) : options.format();
        List<TaggingExample> out = new ArrayList<>();
        try (Utf8Lines lines = badInput.lines(file, options.maxLineBytes())) {
            switch (format) {
                case CONLL -> readConll(lines, options, badInput, out);
                case SLASH -> readSlash(lines, options, badInput, out);
                case JSONL -> readJsonl(lines, options, badInput, out);
                case AUTO -> throw new AssertionError();
            }
        }
        badInput.finishFile(file, out.isEmpty(), "sentences", "records", skippedBefore);
        return out;
    }

    /** The format {@link Format#AUTO} chooses for {@code file}. */
    public static Format detect(Path file, Options options) throws IOException {
        if (DataFiles.extension(file).equals("jsonl")) {
            return Format.JSONL;
        }
        try (Utf8Lines lines = BadInput.skipping().lines(file, options.maxLineBytes())) {
            Utf8Lines.Line l;
            while ((l = lines.next()) != null) {
                String t = l.text().strip();
                if (t.isEmpty() || t.startsWith("-DOCSTART-")) {
                    continue;
                }
                String[] items = t.split("\\s+");
                boolean allSlashed = true;
                for (String item : items) {
                    int slash = item.lastIndexOf('/');
                    allSlashed &= slash > 0 && slash < item.length() - 1;
                }
                return allSlashed ? Format.SLASH : Format.CONLL;
            }
        }
        return Format.CONLL;
    }

    private static void readConll(Utf8Lines lines, Options o, BadInput badInput, List<TaggingExample> out)
            throws IOException {
        int width = -1;
        List<String> tokens = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        long sentenceStart = 0;
        boolean sentenceBad = false;
        Utf8Lines.Line l;
        while (true) {
            l = lines.next();
            boolean boundary = l == null || l.text().isBlank();
            if (boundary) {
                if (!tokens.isEmpty() && !sentenceBad) {
                    out.add(new TaggingExample("line-" + sentenceStart, tokens, tags));
                }
                tokens = new ArrayList<>();
                tags = new ArrayList<>();
                sentenceBad = false;
                if (l == null) {
                    return;
                }
                continue;
            }
            String[] cols = l.text().strip().split("\\s+");
            if (cols[0].equals("-DOCSTART-")) {
                continue;
            }
            if (tokens.isEmpty() && !sentenceBad) {
                sentenceStart = l.number();
            }
            if (sentenceBad) {
                continue;
            }
            if (width < 0) {
                width = cols.length;
                int tok = column(o.tokenColumn(), width);
                int tag = column(o.tagColumn(), width);
                if (width < 2 || tok < 0 || tag < 0 || tok == tag) {
                    throw new BadInputException(lines.file(), l.number(), BadInput.Kind.WRONG_COLUMN_COUNT,
                            "the first token line has " + width + " column(s), so token column " + o.tokenColumn()
                                    + " and tag column " + o.tagColumn() + " do not fit",
                            "CoNLL lines need a token and a tag column (separated by spaces or tabs)"
                                    + badInput.ifOffered("tagColumn", "; choose the tag column with tagColumn"));
                }
            }
            if (cols.length != width) {
                badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.WRONG_COLUMN_COUNT,
                        "line has " + cols.length + " columns, the file's first token line has " + width,
                        "every token line needs the same columns; fix it" + badInput.orSkip("sentences")));
                sentenceBad = true;
                continue;
            }
            String tag = cols[column(o.tagColumn(), width)];
            if (!badInput.knownOrReject(o.knownTags(), lines.file(), l.number(), "tag", tag, "sentences")) {
                sentenceBad = true;
                continue;
            }
            tokens.add(cols[column(o.tokenColumn(), width)]);
            tags.add(tag);
        }
    }

    private static void readSlash(Utf8Lines lines, Options o, BadInput badInput, List<TaggingExample> out)
            throws IOException {
        Utf8Lines.Line l;
        lines:
        while ((l = lines.next()) != null) {
            String t = l.text().strip();
            if (t.isEmpty() || t.startsWith("-DOCSTART-")) {
                continue;
            }
            String[] items = t.split("\\s+");
            List<String> tokens = new ArrayList<>(items.length);
            List<String> tags = new ArrayList<>(items.length);
            for (String item : items) {
                int slash = item.lastIndexOf('/');
                if (slash <= 0 || slash == item.length() - 1) {
                    badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.MALFORMED_RECORD,
                            "item '" + abbreviate(item) + "' is not word/TAG",
                            "write every token as word/TAG" + badInput.orSkip("lines")));
                    continue lines;
                }
                String tag = item.substring(slash + 1);
                if (!badInput.knownOrReject(o.knownTags(), lines.file(), l.number(), "tag", tag, "sentences")) {
                    continue lines;
                }
                tokens.add(item.substring(0, slash));
                tags.add(tag);
            }
            out.add(new TaggingExample("line-" + l.number(), tokens, tags));
        }
    }

    private static void readJsonl(Utf8Lines lines, Options o, BadInput badInput, List<TaggingExample> out)
            throws IOException {
        JsonLines.ObjectLine l;
        records:
        while ((l = JsonLines.nextObject(lines, badInput)) != null) {
            JsonNode node = l.node();
            JsonNode tokens = node.get("tokens");
            JsonNode tags = node.get("tags");
            if (tokens == null || !tokens.isArray() || tags == null || !tags.isArray() || tokens.isEmpty()) {
                badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.MISSING_FIELD,
                        "no non-empty \"tokens\" array and \"tags\" array",
                        "write {\"tokens\": [...], \"tags\": [...]}" + badInput.orSkip("records")));
                continue;
            }
            if (tokens.size() != tags.size()) {
                badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.WRONG_COLUMN_COUNT,
                        tokens.size() + " tokens but " + tags.size() + " tags",
                        "give one tag per token" + badInput.orSkip("records")));
                continue;
            }
            List<String> tk = new ArrayList<>(tokens.size());
            List<String> tg = new ArrayList<>(tags.size());
            for (int i = 0; i < tokens.size(); i++) {
                if (!tokens.get(i).isValueNode() || !tags.get(i).isValueNode() || tags.get(i).isNull()) {
                    badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.MALFORMED_RECORD,
                            "token or tag " + i + " is not a string", "fix the record" + badInput.orSkip("records")));
                    continue records;
                }
                String tag = tags.get(i).asText();
                if (!badInput.knownOrReject(o.knownTags(), lines.file(), l.number(), "tag", tag, "sentences")) {
                    continue records;
                }
                tk.add(tokens.get(i).asText());
                tg.add(tag);
            }
            out.add(new TaggingExample(l.id("id"), tk, tg));
        }
    }

    private static int column(int c, int width) {
        int i = c < 0 ? width + c : c;
        return i >= 0 && i < width ? i : -1;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
