package dev.graft.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Streams UTF-8 text files in chunks of whole lines (line ends kept), so corpora larger than memory
 * can be read. Invalid UTF-8 is an error that names the file, byte offset and line, unless
 * replacement (U+FFFD) is asked for.
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

    /**
     * Reads {@code file} and hands chunks of about {@code chunkChars} characters, cut after a line
     * end, to {@code sink}.
     *
     * @return the number of bytes read
     */
    static long read(Path file, boolean replaceInvalid, int chunkChars, ChunkSink sink)
            throws IOException, InterruptedException {
        CodingErrorAction action = replaceInvalid ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(action)
                .onUnmappableCharacter(action);
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        StringBuilder pending = new StringBuilder(chunkChars + (1 << 16));
        long consumed = 0; // bytes decoded so far
        long lines = 0; // line ends decoded so far
        try (InputStream stream = Files.newInputStream(file)) {
            boolean eof = false;
            while (!eof) {
                int r = stream.read(in.array(), in.position(), in.remaining());
                if (r < 0) {
                    eof = true;
                } else {
                    in.position(in.position() + r);
                }
                in.flip();
                while (true) {
                    int before = in.position();
                    CoderResult result = decoder.decode(in, out, eof);
                    consumed += in.position() - before;
                    lines += drain(out, pending);
                    if (result.isError()) {
                        throw new IOException(file + ": invalid UTF-8 at byte " + consumed + " (line "
                                + (lines + 1) + "); convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)"
                                + " or pass --replace-invalid-utf8 to read bad bytes as U+FFFD");
                    }
                    if (result.isOverflow()) {
                        continue;
                    }
                    break;
                }
                in.compact();
                emitWholeLines(pending, chunkChars, sink);
            }
            while (decoder.flush(out).isOverflow()) {
                drain(out, pending);
            }
            drain(out, pending);
        }
        if (!pending.isEmpty()) {
            sink.accept(pending.toString());
        }
        return consumed;
    }

    private static long drain(CharBuffer out, StringBuilder pending) {
        out.flip();
        long newlines = 0;
        for (int i = out.position(); i < out.limit(); i++) {
            if (out.get(i) == '\n') {
                newlines++;
            }
        }
        pending.append(out);
        out.clear();
        return newlines;
    }

    private static void emitWholeLines(StringBuilder pending, int chunkChars, ChunkSink sink)
            throws InterruptedException {
        if (pending.length() < chunkChars) {
            return;
        }
        int cut = pending.lastIndexOf("\n");
        if (cut < 0) {
            if (pending.length() < 8 * chunkChars) {
                return; // a very long line: wait for its end, up to a limit
            }
            cut = pending.length() - 1;
            if (Character.isHighSurrogate(pending.charAt(cut))) {
                cut--;
            }
        }
        sink.accept(pending.substring(0, cut + 1));
        pending.delete(0, cut + 1);
    }
}
