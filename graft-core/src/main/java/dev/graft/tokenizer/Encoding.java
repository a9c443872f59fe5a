package dev.graft.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One encoded input (a text, or a pair of texts with the special tokens of the template).
 * Immutable; the array accessors return copies.
 *
 * <p>Per token: its id, its vocabulary string, its span in the input string as UTF-16 indices
 * ({@code text.substring(start, end)}; a span is into the sequence the token came from, the
 * first or the second text of a pair; special tokens added by a template have the empty span
 * [0, 0)), the index of the pre-tokenized word it came from within its sequence (-1 for special
 * tokens added by a template and for padding), its sequence (0 or 1, -1 for template tokens
 * and padding), its token-type id (segment id), whether a template added it (special-token
 * mask; padding counts too), and the attention mask (0 only for padding).
 *
 * <p>Offsets cover the original characters a token was made from: after normalization
 * (lowercasing, accent stripping, NFKC, ...) the slice may differ from the token's text, and a
 * byte-level token that holds only some bytes of a character spans the whole character.
 */
public final class Encoding {
    private final int[] ids;
    private final String[] tokens;
    private final int[] starts;
    private final int[] ends;
    private final int[] wordIndices;
    private final int[] sequenceIndices;
    private final int[] typeIds;
    private final int[] specialTokenMask;
    private final int[] attentionMask;

    Encoding(int[] ids, String[] tokens, int[] starts, int[] ends, int[] wordIndices, int[] sequenceIndices,
            int[] typeIds, int[] specialTokenMask, int[] attentionMask) {
        this.ids = ids;
        this.tokens = tokens;
        this.starts = starts;
        this.ends = ends;
        this.wordIndices = wordIndices;
        this.sequenceIndices = sequenceIndices;
        this.typeIds = typeIds;
        this.specialTokenMask = specialTokenMask;
        this.attentionMask = attentionMask;
    }

    static final Encoding EMPTY = new Encoding(new int[0], new String[0], new int[0], new int[0], new int[0],
            new int[0], new int[0], new int[0], new int[0]);

    /** Number of tokens (including special tokens and padding). */
    public int length() {
        return ids.length;
    }

    public int[] ids() {
        return ids.clone();
    }

    public int id(int index) {
        return ids[index];
    }

    public String[] tokens() {
        return tokens.clone();
    }

    public String token(int index) {
        return tokens[index];
    }

    /** Start of each token's span (UTF-16 index into its input string). */
    public int[] startOffsets() {
        return starts.clone();
    }

    /** End (exclusive) of each token's span (UTF-16 index into its input string). */
    public int[] endOffsets() {
        return ends.clone();
    }

    public int startOffset(int index) {
        return starts[index];
    }

    public int endOffset(int index) {
        return ends[index];
    }

    /** Index of the pre-tokenized word each token came from, per sequence; -1 for template tokens and padding. */
    public int[] wordIndices() {
        return wordIndices.clone();
    }

    public int wordIndex(int index) {
        return wordIndices[index];
    }

    /** Sequence (0 first text, 1 second text) of each token; -1 for template tokens and padding. */
    public int[] sequenceIndices() {
        return sequenceIndices.clone();
    }

    /** Token-type (segment) id of each token. */
    public int[] typeIds() {
        return typeIds.clone();
    }

    /** 1 for tokens a template added and for padding, 0 for tokens of the text. */
    public int[] specialTokenMask() {
        return specialTokenMask.clone();
    }

    /** 1 for real tokens, 0 for padding. */
    public int[] attentionMask() {
        return attentionMask.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Encoding[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(tokens[i]).append('/').append(ids[i]).append('@').append(starts[i]).append(':').append(ends[i]);
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(tokens, e.tokens)
                && Arrays.equals(starts, e.starts) && Arrays.equals(ends, e.ends)
                && Arrays.equals(wordIndices, e.wordIndices) && Arrays.equals(sequenceIndices, e.sequenceIndices)
                && Arrays.equals(typeIds, e.typeIds) && Arrays.equals(specialTokenMask, e.specialTokenMask)
                && Arrays.equals(attentionMask, e.attentionMask);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(starts);
    }

    // ----- package-private operations used by the pipeline -----

    /** The same tokens with every token-type id set to {@code typeId}. */
    Encoding withTypeId(int typeId) {
        int[] t = new int[ids.length];
        Arrays.fill(t, typeId);
        return new Encoding(ids, tokens, starts, ends, wordIndices, sequenceIndices, t, specialTokenMask,
                attentionMask);
    }

    /** The same tokens with every sequence index set to {@code sequence}. */
    Encoding withSequenceIndex(int sequence) {
        int[] s = new int[ids.length];
        Arrays.fill(s, sequence);
        return new Encoding(ids, tokens, starts, ends, wordIndices, s, typeIds, specialTokenMask, attentionMask);
    }

    /** The same tokens with other spans. */
    Encoding withOffsets(int[] newStarts, int[] newEnds) {
        return new Encoding(ids, tokens, newStarts, newEnds, wordIndices, sequenceIndices, typeIds, specialTokenMask,
                attentionMask);
    }

    /** Template tokens: spans [0, 0), no word, no sequence, special. */
    static Encoding special(int[] ids, String[] tokens, int typeId) {
        int n = ids.length;
        int[] zeros = new int[n];
        int[] none = new int[n];
        Arrays.fill(none, -1);
        int[] type = new int[n];
        Arrays.fill(type, typeId);
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        return new Encoding(ids.clone(), tokens.clone(), zeros, zeros.clone(), none, none.clone(), type, ones,
                ones.clone());
    }

    static Encoding concat(List<Encoding> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int n = 0;
        for (Encoding e : parts) {
            n += e.length();
        }
        int[] ids = new int[n];
        String[] tokens = new String[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] words = new int[n];
        int[] sequences = new int[n];
        int[] types = new int[n];
        int[] special = new int[n];
        int[] attention = new int[n];
        int k = 0;
        for (Encoding e : parts) {
            int m = e.length();
            System.arraycopy(e.ids, 0, ids, k, m);
            System.arraycopy(e.tokens, 0, tokens, k, m);
            System.arraycopy(e.starts, 0, starts, k, m);
            System.arraycopy(e.ends, 0, ends, k, m);
            System.arraycopy(e.wordIndices, 0, words, k, m);
            System.arraycopy(e.sequenceIndices, 0, sequences, k, m);
            System.arraycopy(e.typeIds, 0, types, k, m);
            System.arraycopy(e.specialTokenMask, 0, special, k, m);
            System.arraycopy(e.attentionMask, 0, attention, k, m);
            k += m;
        }
        return new Encoding(ids, tokens, starts, ends, words, sequences, types, special, attention);
    }

    /** The first (right truncation) or last (left truncation) {@code maxLength} tokens. */
    Encoding truncate(int maxLength, boolean fromLeft) {
        if (ids.length <= maxLength) {
            return this;
        }
        int from = fromLeft ? ids.length - maxLength : 0;
        int to = from + maxLength;
        return new Encoding(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(tokens, from, to),
                Arrays.copyOfRange(starts, from, to), Arrays.copyOfRange(ends, from, to),
                Arrays.copyOfRange(wordIndices, from, to), Arrays.copyOfRange(sequenceIndices, from, to),
                Arrays.copyOfRange(typeIds, from, to), Arrays.copyOfRange(specialTokenMask, from, to),
                Arrays.copyOfRange(attentionMask, from, to));
    }

    /** Padded to {@code length} with the pad token (no-op when already that long). */
    Encoding pad(int length, int padId, int padTypeId, String padToken, boolean left) {
        int n = ids.length;
        if (n >= length) {
            return this;
        }
        int p = length - n;
        int at = left ? p : 0;
        int fill = left ? 0 : n;
        int[] newIds = place(ids, length, at, fill, p, padId);
        String[] newTokens = new String[length];
        System.arraycopy(tokens, 0, newTokens, at, n);
        Arrays.fill(newTokens, fill, fill + p, padToken);
        return new Encoding(newIds, newTokens, place(starts, length, at, fill, p, 0),
                place(ends, length, at, fill, p, 0), place(wordIndices, length, at, fill, p, -1),
                place(sequenceIndices, length, at, fill, p, -1), place(typeIds, length, at, fill, p, padTypeId),
                place(specialTokenMask, length, at, fill, p, 1), place(attentionMask, length, at, fill, p, 0));
    }

    private static int[] place(int[] values, int length, int at, int fill, int count, int padValue) {
        int[] out = new int[length];
        System.arraycopy(values, 0, out, at, values.length);
        Arrays.fill(out, fill, fill + count, padValue);
        return out;
    }

    int[] rawStarts() {
        return starts;
    }

    int[] rawEnds() {
        return ends;
    }

    String[] rawTokens() {
        return tokens;
    }

    int[] rawIds() {
        return ids;
    }

    /** Grows token by token. */
    static final class Builder {
        private int[] ids = new int[16];
        private String[] tokens = new String[16];
        private int[] starts = new int[16];
        private int[] ends = new int[16];
        private int[] words = new int[16];
        private int size;

        void add(int id, String token, int start, int end, int word) {
            if (size == ids.length) {
                int c = size * 2;
                ids = Arrays.copyOf(ids, c);
                tokens = Arrays.copyOf(tokens, c);
                starts = Arrays.copyOf(starts, c);
                ends = Arrays.copyOf(ends, c);
                words = Arrays.copyOf(words, c);
            }
            ids[size] = id;
            tokens[size] = token;
            starts[size] = start;
            ends[size] = end;
            words[size] = word;
            size++;
        }

        Encoding build(int typeId) {
            int[] type = new int[size];
            Arrays.fill(type, typeId);
            int[] ones = new int[size];
            Arrays.fill(ones, 1);
            return new Encoding(Arrays.copyOf(ids, size), Arrays.copyOf(tokens, size), Arrays.copyOf(starts, size),
                    Arrays.copyOf(ends, size), Arrays.copyOf(words, size), new int[size], type, new int[size], ones);
        }
    }
}
