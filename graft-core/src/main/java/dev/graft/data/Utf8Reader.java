package dev.graft.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A {@link Reader} over a UTF-8 file (gzip transparently) for parsers that need a character stream
 * (the CSV parser). It drops a leading byte-order mark, maps character positions back to line numbers,
 * and notes defects (invalid UTF-8, physical lines over the length limit) by character position instead
 * of failing in the middle of the parser: the caller asks {@link #firstDefectBetween} for each record
 * and rejects the records that contain one. Invalid bytes are replaced by U+FFFD and the characters of
 * an over-long line beyond the limit are dropped, so memory stays bounded.
 */
final class Utf8Reader extends Reader {
    /** A defect at a character position, with its line and a message. */
    record Defect(long charPosition, long line, BadInput.Kind kind, String detail) {
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
    private final CharBuffer chars = CharBuffer.allocate(1 << 16);
    private final Deque<Long> lineStarts = new ArrayDeque<>(); // char positions where lines 2, 3, ... begin
    private final Deque<Defect> defects = new ArrayDeque<>();
    private final List<Integer> pendingDefects = new ArrayList<>(); // indexes in the chunk being decoded
    private final List<String> pendingDefectDetails = new ArrayList<>();
    private long linesBeforeQueue = 1; // line number of the char before the first queued start
    private long charPosition; // chars handed out so far
    private long bytesConsumed; // bytes decoded so far (for offsets)
    private long currentLine = 1;
    private long currentLineBytes;
    private boolean currentLineFlagged;
    private boolean eof;
    private boolean started;

    Utf8Reader(Path file, int maxLineBytes) throws IOException {
        this.in = DataFiles.open(file);
        this.maxLineBytes = maxLineBytes;
        bytes.flip();
        chars.flip();
    }

    @Override
    public int read(char[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (!chars.hasRemaining()) {
            if (!decodeMore()) {
                return -1;
            }
        }
        int n = Math.min(length, chars.remaining());
        chars.get(target, offset, n);
        return n;
    }

    /** Decodes the next chunk into {@link #chars}; false at end of input. */
    private boolean decodeMore() throws IOException {
        if (eof && !bytes.hasRemaining()) {
            return false;
        }
        bytes.compact();
        if (!eof) {
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) {
                eof = true;
            } else {
                bytes.position(bytes.position() + n);
            }
        }
        bytes.flip();
        CharBuffer decoded = CharBuffer.allocate(bytes.remaining() + 1);
        while (true) {
            int before = bytes.position();
            CoderResult r = decoder.decode(bytes, decoded, eof);
            bytesConsumed += bytes.position() - before;
            if (r.isError()) {
                long offset = bytesConsumed;
                int bad = r.length();
                bytes.position(bytes.position() + bad);
                bytesConsumed += bad;
                decoded.put('\uFFFD');
                account(decoded, "invalid UTF-8 at byte offset " + offset);
                continue;
            }
            break; // underflow: need more bytes, or done
        }
        if (eof && !bytes.hasRemaining()) {
            decoder.flush(decoded);
        }
        decoded.flip();
        chars.clear();
        emit(decoded);
        chars.flip();
        return chars.hasRemaining() || !(eof && !bytes.hasRemaining());
    }

    /** Remembers a decoding defect at the replacement char just written; {@link #emit} fixes its position. */
    private void account(CharBuffer decoded, String detail) {
        pendingDefects.add(decoded.position() - 1);
        pendingDefectDetails.add(detail);
    }

    /** Copies decoded chars into {@link #chars}, tracking lines, line lengths, BOM and defects. */
    private void emit(CharBuffer decoded) {
        int defectIndex = 0;
        for (int i = 0; decoded.hasRemaining(); i++) {
            char c = decoded.get();
            boolean isDefect = defectIndex < pendingDefects.size() && pendingDefects.get(defectIndex) == i;
            if (!started) {
                started = true;
                if (c == '\uFEFF' && !isDefect) {
                    continue;
                }
            }
            if (isDefect) {
                defects.add(new Defect(charPosition, currentLine, BadInput.Kind.INVALID_UTF8,
                        pendingDefectDetails.get(defectIndex)));
                defectIndex++;
            }
            if (c == '\n') {
                currentLine++;
                currentLineBytes = 0;
                currentLineFlagged = false;
                chars.put(c);
                charPosition++;
                lineStarts.add(charPosition);
                continue;
            }
            currentLineBytes += utf8Length(c);
            if (currentLineBytes > maxLineBytes) {
                if (!currentLineFlagged) {
                    currentLineFlagged = true;
                    defects.add(new Defect(charPosition, currentLine, BadInput.Kind.LINE_TOO_LONG,
                            "line is over the limit of " + maxLineBytes + " bytes"));
                }
                continue; // drop the excess
            }
            chars.put(c);
            charPosition++;
        }
        pendingDefects.clear();
        pendingDefectDetails.clear();
    }

    private static int utf8Length(char c) {
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        return Character.isSurrogate(c) ? 2 : 3;
    }

    /** Line number (1-based) of the character at {@code position}; positions must not decrease between calls. */
    long lineAt(long position) {
        while (!lineStarts.isEmpty() && lineStarts.peekFirst() <= position) {
            lineStarts.pollFirst();
            linesBeforeQueue++;
        }
        return linesBeforeQueue;
    }

    /**
     * The first defect with {@code from <= position < to}, or null; defects before {@code to} are
     * consumed. Calls must use non-decreasing ranges.
     */
    Defect firstDefectBetween(long from, long to) {
        Defect found = null;
        while (!defects.isEmpty() && defects.peekFirst().charPosition() < to) {
            Defect d = defects.pollFirst();
            if (found == null && d.charPosition() >= from) {
                found = d;
            }
        }
        return found;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
