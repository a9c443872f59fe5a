package dev.graft.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a UTF-8 file (gzip transparently) one line at a time, with 1-based line numbers and byte
 * offsets, never holding more than one line. A leading byte-order mark is dropped; "\r\n" and "\n"
 * both end a line. Invalid UTF-8 is reported with its byte offset (in the decompressed stream), a line
 * over the length limit with its length; both are {@linkplain BadInput#reject rejected} and, when
 * skipping, the line is dropped and reading goes on.
 */
final class Utf8Lines implements Closeable {
    /** One line: its 1-based number, the byte offset of its first byte, its text without the line break. */
    record Line(long number, long byteOffset, String text) {
    }

    private final Path file;
    private final InputStream in;
    private final int maxLineBytes;
    private final BadInput badInput;
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

    Utf8Lines(Path file, int maxLineBytes, BadInput badInput) throws IOException {
        this(file, DataFiles.open(file), maxLineBytes, badInput);
    }

    /** Lines of {@code in}, named {@code file} in messages. */
    Utf8Lines(Path file, InputStream in, int maxLineBytes, BadInput badInput) {
        this.file = file;
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.badInput = badInput;
    }

    Path file() {
        return file;
    }

    /** The next good line, or null at the end of the file. */
    Line next() throws IOException {
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
                if (length + chunk <= maxLineBytes + 1L) { // +1: a '\r' before the break is not counted
                    ensureCapacity(kept + chunk);
                    System.arraycopy(buffer, position, line, kept, chunk);
                    kept += chunk;
                }
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
            if (kept > 0 && line[kept - 1] == '\r' && kept == length) {
                kept--;
                length--;
            }
            int from = 0;
            if (lineNumber == 1 && kept >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB
                    && (line[2] & 0xff) == 0xBF) {
                from = 3;
            }
            if (length - from > maxLineBytes) {
                badInput.reject(new BadInputException(file, lineNumber, BadInput.Kind.LINE_TOO_LONG,
                        "line is " + length + " bytes long, over the limit of " + maxLineBytes + " bytes",
                        "split it into shorter records" + badInput.orSkip("lines")));
                continue;
            }
            ByteBuffer bytes = ByteBuffer.wrap(line, from, kept - from);
            CharBuffer chars = CharBuffer.allocate(kept - from);
            decoder.reset();
            CoderResult result = decoder.decode(bytes, chars, true);
            if (result.isError()) {
                long at = start + bytes.position();
                badInput.reject(new BadInputException(file, lineNumber, BadInput.Kind.INVALID_UTF8,
                        "invalid UTF-8 at byte offset " + at + " (byte 0x"
                                + String.format("%02X", line[bytes.position()] & 0xff) + ")",
                        "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)" + badInput.orSkip("lines")));
                continue;
            }
            decoder.flush(chars);
            chars.flip();
            return new Line(lineNumber, start, chars.toString());
        }
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
