package dev.graft.io;

import java.io.BufferedInputStream;
import java.io.Closeable;
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
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * graft's one reader of UTF-8 text files: one line at a time (gzip read transparently), with 1-based
 * line numbers and byte offsets, never holding more than one line. A leading byte-order mark is
 * dropped; "\r\n" and "\n" both end a line. A bad line (invalid UTF-8, with its byte offset in the
 * decompressed stream; a line over the length limit, with its length) goes to the caller's
 * {@link OnBadLine}, which stops the read (throws), drops the line, or keeps it with the invalid bytes
 * as U+FFFD and an over-long line cut at the limit. The data readers, the CSV reader's character
 * stream, the tokenizer trainer's corpus and {@code graft predict}'s input all read through it.
 */
public final class Utf8Lines implements Closeable {
    /** Lines longer than this (in bytes, without the line break) are bad input by default: 1 MiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    /**
     * One line: its 1-based number, the byte offset of its first byte, its text without the line break,
     * and the break itself ("\n", "\r\n", or "" for a last line without one).
     */
    public record Line(long number, long byteOffset, String text, String end) {
    }

    /** What is wrong with a bad line. */
    public enum Defect {
        INVALID_UTF8,
        LINE_TOO_LONG
    }

    /**
     * A bad line: the file, the line's number, the byte offset of the defect (the invalid byte, or the
     * line's first byte), what is wrong ({@code detail}) and what to do ({@code advice}).
     */
    public record BadLine(Path file, long number, long byteOffset, Defect defect, String detail, String advice) {
        /** "FILE, line N: DETAIL. ADVICE". */
        public String message() {
            return file + ", line " + number + ": " + detail + ". " + advice;
        }
    }

    /** What a reader does with a bad line. */
    @FunctionalInterface
    public interface OnBadLine {
        /**
         * Throws to stop reading; returns true to read the line anyway (invalid bytes as U+FFFD, an
         * over-long line cut at the limit), false to drop it and go on.
         */
        boolean keep(BadLine bad) throws IOException;
    }

    private final Path file;
    private final InputStream in;
    private final int maxLineBytes;
    private final OnBadLine onBad;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private long bufferOffset; // byte offset of buffer[0] in the stream
    private byte[] line = new byte[256];
    private long lineNumber;
    private boolean eof;
    private int decodedBytes; // after decode returned null: the bytes before the invalid one

    /** Lines of {@code in}, named {@code file} in messages (e.g. "stdin"), of at most {@code maxLineBytes} bytes. */
    public Utf8Lines(Path file, InputStream in, int maxLineBytes, OnBadLine onBad) {
        this.file = file;
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.onBad = onBad;
    }

    /** The lines of {@code file} (gzip-compressed or not); a missing file is a {@link NoSuchFileException}. */
    public static Utf8Lines open(Path file, int maxLineBytes, OnBadLine onBad) throws IOException {
        return new Utf8Lines(file, openStream(file), maxLineBytes, onBad);
    }

    /**
     * Opens {@code file} for reading, decompressing it when it starts with the gzip magic bytes
     * (whatever its name). Throws a clear {@link NoSuchFileException} when it does not exist.
     */
    public static InputStream openStream(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    Files.exists(file) ? "not a regular file" : "no such file");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    public Path file() {
        return file;
    }

    /** Bytes read so far (of the decompressed stream). */
    public long bytesRead() {
        return bufferOffset + position;
    }

    /** The text of the next line kept, or null at the end of the file. */
    public String nextText() throws IOException {
        Line l = next();
        return l == null ? null : l.text();
    }

    /** The next line kept, or null at the end of the file. */
    public Line next() throws IOException {
        while (true) {
            if (eof && position >= limit) {
                return null;
            }
            long start = bufferOffset + position;
            long length = 0; // bytes in this line, without the break
            int kept = 0;
            boolean sawBreak = false;
            while (!sawBreak) {
                if (position >= limit && !fill()) {
                    break;
                }
                int end = position;
                while (end < limit && buffer[end] != '\n') {
                    end++;
                }
                int chunk = end - position;
                // keep at most the limit (+1: a '\r' before the break is not counted); count the rest
                int keep = (int) Math.min(chunk, Math.max(0, maxLineBytes + 1L - length));
                ensureCapacity(kept + keep);
                System.arraycopy(buffer, position, line, kept, keep);
                kept += keep;
                length += chunk;
                position = end;
                if (end < limit) {
                    position++; // the '\n'
                    sawBreak = true;
                }
            }
            if (!sawBreak && length == 0) {
                return null; // end of file right after a line break
            }
            lineNumber++;
            String lineEnd = sawBreak ? "\n" : "";
            if (kept > 0 && line[kept - 1] == '\r' && kept == length) {
                kept--;
                length--;
                lineEnd = sawBreak ? "\r\n" : "\r";
            }
            int from = 0;
            if (lineNumber == 1 && kept >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB
                    && (line[2] & 0xff) == 0xBF) {
                from = 3;
            }
            boolean replace = false;
            if (length - from > maxLineBytes) {
                if (!onBad.keep(new BadLine(file, lineNumber, start, Defect.LINE_TOO_LONG,
                        "line is " + length + " bytes long, over the limit of " + maxLineBytes + " bytes",
                        "split it into shorter records"))) {
                    continue;
                }
                kept = Math.min(kept, from + maxLineBytes);
                replace = true; // the cut may fall inside a character
            }
            String text = decode(from, kept, replace);
            if (text == null) {
                int bad = from + decodedBytes;
                if (!onBad.keep(new BadLine(file, lineNumber, start + bad, Defect.INVALID_UTF8,
                        "invalid UTF-8 at byte offset " + (start + bad) + " (byte 0x"
                                + String.format("%02X", line[bad] & 0xff) + ")",
                        "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)"))) {
                    continue;
                }
                text = decode(from, kept, true);
            }
            return new Line(lineNumber, start, text, lineEnd);
        }
    }

    /** {@code line[from, to)} as text; null at invalid UTF-8 unless {@code replace} (then U+FFFD). */
    private String decode(int from, int to, boolean replace) {
        CodingErrorAction action = replace ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
        decoder.reset().onMalformedInput(action).onUnmappableCharacter(action);
        ByteBuffer bytes = ByteBuffer.wrap(line, from, to - from);
        CharBuffer chars = CharBuffer.allocate(to - from);
        CoderResult result = decoder.decode(bytes, chars, true);
        if (result.isError()) {
            decodedBytes = bytes.position() - from;
            return null;
        }
        decoder.flush(chars);
        chars.flip();
        return chars.toString();
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        bufferOffset += limit;
        position = 0;
        limit = 0;
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            eof = true;
            return false;
        }
        limit = n;
        return true;
    }

    private void ensureCapacity(int needed) {
        if (needed > line.length) {
            line = Arrays.copyOf(line, Math.max(needed, line.length * 2));
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
