package dev.graft.tokenizer;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * A piece of text as normalizers and pre-tokenizers change it, with the span of the original
 * input each of its characters came from, so that tokens get offsets into the original string.
 *
 * <p>The alignment follows the Hugging Face {@code NormalizedString}: every character of the
 * normalized text carries the (start, end) of the original character it was made from;
 * {@link Transform} applies a list of (code point, change) pairs with the same rules as its
 * {@code transform_range}, so that offsets agree with the reference implementation even where
 * normalization inserts or removes characters. Offsets here are UTF-16 indices into the
 * original Java string (the reference counts bytes; the mapping is the same per character).
 */
final class NormalizedText {
    /** The normalized text. */
    final String text;
    /** Per UTF-16 unit of {@link #text}: original start; null means identity (base + i). */
    private final int[] starts;
    /** Per UTF-16 unit of {@link #text}: original end; null means identity (base + i + 1). */
    private final int[] ends;
    private final int base;
    /** Where this piece's original text begins (used for characters inserted at its start). */
    final int originalStart;

    private NormalizedText(String text, int[] starts, int[] ends, int base, int originalStart) {
        this.text = text;
        this.starts = starts;
        this.ends = ends;
        this.base = base;
        this.originalStart = originalStart;
    }

    /** The original characters [from, to) of {@code original}, not normalized yet. */
    static NormalizedText of(String original, int from, int to) {
        return new NormalizedText(original.substring(from, to), null, null, from, from);
    }

    int length() {
        return text.length();
    }

    boolean isEmpty() {
        return text.isEmpty();
    }

    /** Original start of the character whose UTF-16 unit is {@code i}. */
    int start(int i) {
        return starts == null ? base + i : starts[i];
    }

    /** Original end of the character whose UTF-16 unit is {@code i}. */
    int end(int i) {
        return ends == null ? base + i + 1 : ends[i];
    }

    /** Original end of the whole code point starting at unit {@code i}. */
    int charEnd(int i) {
        return end(i + Character.charCount(text.codePointAt(i)) - 1);
    }

    /** The normalized units [from, to) as a piece of their own. */
    NormalizedText slice(int from, int to) {
        if (from == 0 && to == text.length()) {
            return this;
        }
        int origin = from < to ? start(from) : originalStart;
        if (starts == null) {
            return new NormalizedText(text.substring(from, to), null, null, base + from, origin);
        }
        return new NormalizedText(text.substring(from, to), Arrays.copyOfRange(starts, from, to),
                Arrays.copyOfRange(ends, from, to), 0, origin);
    }

    /** Replaces each code point by one of the same UTF-16 length; alignments stay. */
    NormalizedText map(IntUnaryOperator mapping) {
        int n = text.length();
        char[] out = null;
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            int count = Character.charCount(cp);
            int mapped = mapping.applyAsInt(cp);
            if (mapped != cp) {
                if (Character.charCount(mapped) != count) {
                    return mapByTransform(mapping);
                }
                if (out == null) {
                    out = text.toCharArray();
                }
                Character.toChars(mapped, out, i);
            }
            i += count;
        }
        return out == null ? this : new NormalizedText(new String(out), starts, ends, base, originalStart);
    }

    private NormalizedText mapByTransform(IntUnaryOperator mapping) {
        Transform t = new Transform(this, 0);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            t.emit(mapping.applyAsInt(cp), 0);
            i += Character.charCount(cp);
        }
        return t.finish();
    }

    /** Keeps the code points {@code keep} accepts; the kept ones keep their alignment. */
    NormalizedText filter(IntPredicate keep) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            if (!keep.test(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        if (i == n) {
            return this;
        }
        StringBuilder sb = new StringBuilder(n);
        int[] s = new int[n];
        int[] e = new int[n];
        int m = 0;
        for (i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            int count = Character.charCount(cp);
            if (keep.test(cp)) {
                for (int k = 0; k < count; k++) {
                    sb.append(text.charAt(i + k));
                    s[m] = start(i + k);
                    e[m] = end(i + k);
                    m++;
                }
            }
            i += count;
        }
        return new NormalizedText(sb.toString(), Arrays.copyOf(s, m), Arrays.copyOf(e, m), 0, originalStart);
    }

    /** Starts a general transformation, skipping {@code initiallyRemoved} leading code points. */
    Transform transform(int initiallyRemoved) {
        return new Transform(this, initiallyRemoved);
    }

    /**
     * Rebuilds the text from (code point, change) pairs, as {@code NormalizedString::transform_range}:
     * change 0 replaces the next original character (and takes its alignment), -N replaces it and
     * removes the N characters after it, +1 inserts a character that takes the alignment of the
     * character consumed last (or an empty span at the piece's start).
     */
    static final class Transform {
        private final NormalizedText old;
        private int position;
        private final StringBuilder sb;
        private int[] starts;
        private int[] ends;
        private int size;

        private Transform(NormalizedText old, int initiallyRemoved) {
            this.old = old;
            this.sb = new StringBuilder(old.text.length() + 8);
            this.starts = new int[old.text.length() + 8];
            this.ends = new int[old.text.length() + 8];
            for (int k = 0; k < initiallyRemoved; k++) {
                skip();
            }
        }

        private void skip() {
            position += Character.charCount(old.text.codePointAt(position));
        }

        /** Removes the next {@code codePoints} characters of the old text (they leave no alignment). */
        void remove(int codePoints) {
            for (int k = 0; k < codePoints; k++) {
                skip();
            }
        }

        /** Emits each code point of {@code s}: the first with change {@code firstChange}, the rest with {@code rest}. */
        void emitAll(String s, int firstChange, int rest) {
            boolean first = true;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                emit(cp, first ? firstChange : rest);
                first = false;
                i += Character.charCount(cp);
            }
        }

        void emit(int cp, int change) {
            int alignStart;
            int alignEnd;
            if (change > 0) {
                if (position == 0) {
                    alignStart = old.originalStart;
                    alignEnd = old.originalStart;
                } else {
                    int previous = position - 1;
                    if (previous > 0 && Character.isLowSurrogate(old.text.charAt(previous))
                            && Character.isHighSurrogate(old.text.charAt(previous - 1))) {
                        previous--;
                    }
                    alignStart = old.start(previous);
                    alignEnd = old.charEnd(previous);
                }
            } else {
                alignStart = old.start(position);
                alignEnd = old.charEnd(position);
                skip();
                for (int k = 0; k < -change; k++) {
                    skip();
                }
            }
            int count = Character.charCount(cp);
            if (size + count > starts.length) {
                starts = Arrays.copyOf(starts, Math.max(starts.length * 2, size + count));
                ends = Arrays.copyOf(ends, starts.length);
            }
            sb.appendCodePoint(cp);
            for (int k = 0; k < count; k++) {
                starts[size] = alignStart;
                ends[size] = alignEnd;
                size++;
            }
        }

        NormalizedText finish() {
            return new NormalizedText(sb.toString(), Arrays.copyOf(starts, size), Arrays.copyOf(ends, size), 0,
                    old.originalStart);
        }
    }
}
