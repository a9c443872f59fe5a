package dev.graft.data;

import dev.graft.io.Utf8Lines;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Lines of UTF-8 text, from a file (gzip transparently) or a stream such as standard input, read as
 * every other graft reader reads them: a byte-order mark dropped, "\r\n" and "\n" line ends, and a
 * {@link BadInputException} naming the file (or "stdin"), the line and the byte offset at the first
 * invalid UTF-8 byte or over-long line, never a silent U+FFFD. For commands that must keep every line
 * (one output line per input line, as {@code graft predict}), so bad input stops the command.
 */
public final class TextLines implements Closeable {
    private final Utf8Lines lines;

    private TextLines(Utf8Lines lines) {
        this.lines = lines;
    }

    /** The lines of {@code file}; a missing file is a {@link java.nio.file.NoSuchFileException} naming it. */
    public static TextLines open(Path file) throws IOException {
        return new TextLines(BadInput.strict().lines(file, DataFiles.DEFAULT_MAX_LINE_BYTES));
    }

    /** The lines of {@code in}, called {@code name} in messages ("stdin"). */
    public static TextLines of(InputStream in, String name) {
        return new TextLines(BadInput.strict().lines(Path.of(name), in, DataFiles.DEFAULT_MAX_LINE_BYTES));
    }

    /** The next line without its end, or null at the end. */
    public String next() throws IOException {
        return lines.nextText();
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
