package dev.graft.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's byte-level alphabet and pre-tokenization (Radford et al. 2019, "Language Models are
 * Unsupervised Multitask Learners"; openai/gpt-2 {@code encoder.py}).
 *
 * <p>Every byte maps to a printable character: the printable Latin-1 bytes to themselves, the
 * other 68 bytes to U+0100.. in byte order. A UTF-8 string thus becomes a string of these
 * characters, one per byte, and any byte sequence round-trips.
 *
 * <p>The pre-tokenizer is GPT-2's regular expression
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * written out as a scanner (same matches, no regex engine): {@code \s} is White_Space,
 * {@code \p{L}}/{@code \p{N}} the Unicode general categories.
 */
final class ByteLevel {
    private ByteLevel() {
    }

    /** Byte value (0..255) to its character. */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** Character to byte value, or -1; indexed by char up to U+0143. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            BYTE_TO_CHAR[b] = printable[b] ? (char) b : (char) next++;
        }
        Arrays.fill(CHAR_TO_BYTE, (short) -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
        }
    }

    /** The byte a byte-level character stands for, or -1 if {@code c} is not one. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The 256 byte-level characters in byte order. */
    static String alphabet() {
        return new String(BYTE_TO_CHAR);
    }

    /** Number of UTF-8 bytes of a code point. */
    static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /**
     * Appends the byte-level characters of one code point's UTF-8 encoding.
     *
     * @return the number of bytes (characters appended)
     */
    static int appendBytes(int cp, StringBuilder out) {
        if (cp < 0x80) {
            out.append(BYTE_TO_CHAR[cp]);
            return 1;
        }
        if (cp < 0x800) {
            out.append(BYTE_TO_CHAR[0xC0 | (cp >> 6)]).append(BYTE_TO_CHAR[0x80 | (cp & 0x3F)]);
            return 2;
        }
        if (cp < 0x10000) {
            out.append(BYTE_TO_CHAR[0xE0 | (cp >> 12)]).append(BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)])
                    .append(BYTE_TO_CHAR[0x80 | (cp & 0x3F)]);
            return 3;
        }
        out.append(BYTE_TO_CHAR[0xF0 | (cp >> 18)]).append(BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3F)])
                .append(BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)]).append(BYTE_TO_CHAR[0x80 | (cp & 0x3F)]);
        return 4;
    }

    /** Receives the half-open ranges [start, end) found by a splitter. */
    @FunctionalInterface
    interface RangeSink {
        void accept(int start, int end);
    }

    /** Splits {@code s} into GPT-2 pre-tokens (the regex's matches, in order; they cover s). */
    static void splitGpt2(String s, RangeSink sink) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            int end = matchAt(s, i, n);
            sink.accept(i, end);
            i = end;
        }
    }

    private static int matchAt(String s, int i, int n) {
        char c = s.charAt(i);
        // 's|'t|'re|'ve|'m|'ll|'d
        if (c == '\'' && i + 1 < n) {
            char d = s.charAt(i + 1);
            if (d == 's' || d == 't' || d == 'm' || d == 'd') {
                return i + 2;
            }
            if (i + 2 < n) {
                char e = s.charAt(i + 2);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
                    return i + 3;
                }
            }
        }
        int j = i;
        if (c == ' ' && i + 1 < n) {
            j = i + 1; // the optional space of " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+"
        }
        int cp = s.codePointAt(j);
        if (!CharClasses.isWhitespace(cp)) {
            int kind = kind(cp);
            int k = j + Character.charCount(cp);
            while (k < n) {
                int next = s.codePointAt(k);
                if (CharClasses.isWhitespace(next) || kind(next) != kind) {
                    break;
                }
                k += Character.charCount(next);
            }
            return k;
        }
        // \s+(?!\S) | \s+ : a whitespace run; if a non-space follows, leave its last character
        // (so that " ?\p{L}+" etc. can take it), unless the run is a single character.
        int k = i;
        int last = i;
        while (k < n) {
            int next = s.codePointAt(k);
            if (!CharClasses.isWhitespace(next)) {
                break;
            }
            last = k;
            k += Character.charCount(next);
        }
        if (k == n || last == i) {
            return k;
        }
        return last;
    }

    /** 0 letter, 1 number, 2 other (neither whitespace, letter nor number). */
    private static int kind(int cp) {
        return CharClasses.isLetter(cp) ? 0 : CharClasses.isNumber(cp) ? 1 : 2;
    }
}
