package dev.graft.data;

import dev.graft.io.Utf8Lines;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A {@link Reader} over the lines of a UTF-8 file ({@link Utf8Lines}: gzip, byte-order mark, line ends
 * kept as they are) for parsers that need a character stream (the CSV parser). It maps character
 * positions back to line numbers and notes defects (invalid UTF-8, physical lines over the length
 * limit) at the start of their line instead of failing in the middle of the parser: the caller asks
 * {@link #firstDefectBetween} for each record and rejects the records that contain one. Invalid bytes
 * are read as U+FFFD and an over-long line is cut at the limit, so memory stays bounded.
 */
final class Utf8Reader extends Reader {
    /** A defect in the line starting at a character position, with its line and a message. */
    record Defect(long charPosition, long line, BadInput.Kind kind, String detail) {
    }

    private record LineStart(long charPosition, long line) {
    }

    private final Utf8Lines lines;
    private final Deque<LineStart> lineStarts = new ArrayDeque<>();
    private final Deque<Defect> defects = new ArrayDeque<>();
    private long currentLine = 1;
    private long charPosition; // chars of the lines read so far
    private String pending = "";
    private int pendingAt;

    Utf8Reader(Path file, int maxLineBytes) throws IOException {
        this.lines = Utf8Lines.open(file, maxLineBytes, this::note);
    }

    /** Notes the defect of the line being read and keeps the line. */
    private boolean note(Utf8Lines.BadLine bad) {
        defects.add(new Defect(charPosition, bad.number(), bad.defect() == Utf8Lines.Defect.INVALID_UTF8
                ? BadInput.Kind.INVALID_UTF8 : BadInput.Kind.LINE_TOO_LONG, bad.detail()));
        return true;
    }

    @Override
    public int read(char[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (pendingAt == pending.length()) {
            Utf8Lines.Line l = lines.next();
            if (l == null) {
                return -1;
            }
            lineStarts.add(new LineStart(charPosition, l.number()));
            pending = l.text() + l.end();
            pendingAt = 0;
            charPosition += pending.length();
        }
        int n = Math.min(length, pending.length() - pendingAt);
        pending.getChars(pendingAt, pendingAt + n, target, offset);
        pendingAt += n;
        return n;
    }

    /** Line number (1-based) of the character at {@code position}; positions must not decrease between calls. */
    long lineAt(long position) {
        while (!lineStarts.isEmpty() && lineStarts.peekFirst().charPosition() <= position) {
            currentLine = lineStarts.pollFirst().line();
        }
        return currentLine;
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
        lines.close();
    }
}
