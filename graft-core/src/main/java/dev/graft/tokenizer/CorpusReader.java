package dev.graft.tokenizer;

import dev.graft.SpecIOException;
import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Streams UTF-8 text files ({@link Utf8Lines}) in chunks of whole lines (line ends kept), so corpora
 * larger than memory can be read. Invalid UTF-8 is an error that names the file, byte offset and line,
 * unless replacement (U+FFFD) is asked for.
 */
final class CorpusReader {
    private CorpusReader() {
    }

    /** Receives chunks of text. */
    @FunctionalInterface
    interface ChunkSink {
        void accept(String chunk) throws InterruptedException;
    }

    /** Checks that every file exists and is readable before any work starts. */
    static long checkFiles(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no corpus files given; pass one or more UTF-8 text files");
        }
        long bytes = 0;
        for (Path f : files) {
            if (!Files.exists(f)) {
                throw new NoSuchFileException(f.toString(), null, "corpus file not found; check the path");
            }
            if (Files.isDirectory(f)) {
                throw new IllegalArgumentException(f + ": is a directory; pass the text files in it");
            }
            if (!Files.isReadable(f)) {
                throw new IOException(f + ": not readable; check its permissions");
            }
            bytes += Files.size(f);
        }
        return bytes;
    }

    /** Lines longer than this are an error: a corpus is text cut into lines, not one huge line. */
    static final int MAX_LINE_BYTES = 1 << 26;

    /**
     * Reads {@code file} (gzip transparently, a byte-order mark dropped) and hands chunks of at least
     * {@code chunkChars} characters (fewer at the end), made of whole lines with their line ends, to
     * {@code sink}.
     *
     * @return the number of bytes read
     */
    static long read(Path file, boolean replaceInvalid, int chunkChars, ChunkSink sink)
            throws IOException, InterruptedException {
        StringBuilder pending = new StringBuilder(chunkChars + (1 << 16));
        try (Utf8Lines lines = Utf8Lines.open(file, MAX_LINE_BYTES, bad -> keepOrThrow(bad, replaceInvalid))) {
            Utf8Lines.Line l;
            while ((l = lines.next()) != null) {
                pending.append(l.text()).append(l.end());
                if (pending.length() >= chunkChars) {
                    sink.accept(pending.toString());
                    pending.setLength(0);
                }
            }
            if (!pending.isEmpty()) {
                sink.accept(pending.toString());
            }
            return lines.bytesRead();
        }
    }

    /** Invalid UTF-8 read as U+FFFD when {@code replaceInvalid}; otherwise an error naming file, byte and line. */
    private static boolean keepOrThrow(Utf8Lines.BadLine bad, boolean replaceInvalid) throws IOException {
        if (bad.defect() == Utf8Lines.Defect.INVALID_UTF8) {
            if (replaceInvalid) {
                return true;
            }
            throw new SpecIOException("replaceInvalidUtf8", bad.file() + ": invalid UTF-8 at byte "
                    + bad.byteOffset() + " (line " + bad.number() + "); convert the file to UTF-8 (e.g. iconv -f "
                    + "latin1 -t utf-8) or use replaceInvalidUtf8 to read bad bytes as U+FFFD");
        }
        throw new IOException(bad.file() + ", line " + bad.number() + ": " + bad.detail()
                + "; split it into shorter lines");
    }
}
