package dev.graft.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Streams the documents of an unlabeled corpus file, one at a time, never the whole file.
 *
 * <ul>
 *   <li>{@code .txt} (any name not ending in {@code .jsonl}): UTF-8 text. {@link Layout#LINES}: every
 *       non-blank line is a document. {@link Layout#PARAGRAPHS}: blocks of non-blank lines separated by
 *       blank lines are documents (their lines joined with "\n").</li>
 *   <li>{@code .jsonl}: one JSON object per line, the document in the string field
 *       {@link Options#textField()} (default {@code text}); blank lines are ignored.</li>
 *   <li>Either may be gzip-compressed ({@code .gz}, detected by its magic bytes).</li>
 * </ul>
 *
 * Bad input (invalid UTF-8, a line over the limit, malformed JSON, a missing text field, an empty
 * file) is handled by the {@link BadInput} policy. I/O errors surface as {@link UncheckedIOException}
 * from the stream. Close the stream (try-with-resources) to close the file.
 */
public final class CorpusReader {

    /** How a text file is cut into documents. */
    public enum Layout {
        /** Every non-blank line is one document. */
        LINES,
        /** Blank-line-separated blocks are documents. */
        PARAGRAPHS
    }

    /**
     * @param layout       how a text file is cut into documents (ignored for .jsonl)
     * @param textField    the field holding the text in .jsonl files
     * @param maxLineBytes lines longer than this are bad input
     */
    public record Options(Layout layout, String textField, int maxLineBytes) {
        public Options {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(textField, "textField");
            if (maxLineBytes < 1) {
                throw new IllegalArgumentException("maxLineBytes must be positive, got " + maxLineBytes);
            }
        }

        /** Lines, field "text", 1 MiB lines. */
        public static Options defaults() {
            return new Options(Layout.LINES, "text", DataFiles.DEFAULT_MAX_LINE_BYTES);
        }

        public Options withLayout(Layout l) {
            return new Options(l, textField, maxLineBytes);
        }

        public Options withTextField(String f) {
            return new Options(layout, f, maxLineBytes);
        }

        public Options withMaxLineBytes(int m) {
            return new Options(layout, textField, m);
        }
    }

    private CorpusReader() {
    }

    /** The documents of {@code file}, streamed, with the default options and strict bad-input handling. */
    public static Stream<String> documents(Path file) throws IOException {
        return documents(file, Options.defaults(), BadInput.strict());
    }

    /** The documents of {@code file}, streamed. */
    public static Stream<String> documents(Path file, Options options, BadInput badInput) throws IOException {
        DocumentIterator it = new DocumentIterator(file, options, badInput);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(it::close);
    }

    /** The documents of one file, read from its lines as they are asked for; closing it closes the file. */
    private static final class DocumentIterator implements Iterator<String> {
        private final Utf8Lines lines;
        private final boolean jsonl;
        private final Options options;
        private final BadInput badInput;
        private final long skippedBefore;
        private String next;
        private boolean done;
        private long produced;

        DocumentIterator(Path file, Options options, BadInput badInput) throws IOException {
            this.lines = badInput.lines(file, options.maxLineBytes());
            this.jsonl = DataFiles.extension(file).equals("jsonl");
            this.options = options;
            this.badInput = badInput;
            this.skippedBefore = badInput.skipped();
        }

        void close() {
            try {
                lines.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = advance();
                } catch (IOException e) {
                    throw new UncheckedIOException(lines.file() + ": " + e.getMessage(), e);
                }
                if (next == null) {
                    done = true;
                    finish();
                } else {
                    produced++;
                }
            }
            return next != null;
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            String s = next;
            next = null;
            return s;
        }

        private void finish() {
            badInput.finishFile(lines.file(), produced == 0, "documents", "lines", skippedBefore);
        }

        private String advance() throws IOException {
            if (jsonl) {
                return nextJson();
            }
            if (options.layout() == Layout.LINES) {
                Utf8Lines.Line l;
                while ((l = lines.next()) != null) {
                    if (!l.text().isBlank()) {
                        return l.text();
                    }
                }
                return null;
            }
            StringBuilder block = null;
            Utf8Lines.Line l;
            while ((l = lines.next()) != null) {
                if (l.text().isBlank()) {
                    if (block != null) {
                        return block.toString();
                    }
                } else if (block == null) {
                    block = new StringBuilder(l.text());
                } else {
                    block.append('\n').append(l.text());
                }
            }
            return block == null ? null : block.toString();
        }

        private String nextJson() throws IOException {
            JsonLines.ObjectLine l;
            while ((l = JsonLines.nextObject(lines, badInput)) != null) {
                JsonNode text = l.node().get(options.textField());
                if (text == null || !text.isTextual()) {
                    badInput.reject(new BadInputException(lines.file(), l.number(), BadInput.Kind.MISSING_FIELD,
                            "no string field \"" + options.textField() + "\"",
                            "add it" + badInput.ifOffered("textField", ", name the text field with textField")
                                    + badInput.orSkip("records")));
                    continue;
                }
                return text.asText();
            }
            return null;
        }
    }
}
