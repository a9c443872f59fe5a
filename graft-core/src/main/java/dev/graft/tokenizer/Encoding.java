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
    /** The per-token int columns; {@link #columns} holds one array per column, in this order. */
    private enum Column { ID, START, END, WORD, SEQUENCE, TYPE, SPECIAL, ATTENTION }

    private static final int COLUMNS = Column.values().length;

    private final String[] tokens;
    private final int[][] columns; // [column][token]

    /** {@code columns} holds one int array per {@link Column}, in its order. */
    private Encoding(String[] tokens, int[][] columns) {
        this.tokens = tokens;
        this.columns = columns;
    }

    /** Tokens of a text: token type {@code typeId}, sequence 0, not special, attended. */
    private static Encoding ofText(int[] ids, String[] tokens, int[] starts, int[] ends, int[] words, int typeId) {
        int n = ids.length;
        return new Encoding(tokens,
                new int[][] {ids, starts, ends, words, new int[n], filled(n, typeId), new int[n], filled(n, 1)});
    }

    static final Encoding EMPTY = ofText(new int[0], new String[0], new int[0], new int[0], new int[0], 0);

    /** Number of tokens (including special tokens and padding). */
    public int length() {
        return tokens.length;
    }

    public int[] ids() {
        return column(Column.ID).clone();
    }

    public int id(int index) {
        return column(Column.ID)[index];
    }

    public String[] tokens() {
        return tokens.clone();
    }

    public String token(int index) {
        return tokens[index];
    }

    /** Start of each token's span (UTF-16 index into its input string). */
    public int[] startOffsets() {
        return column(Column.START).clone();
    }

    /** End (exclusive) of each token's span (UTF-16 index into its input string). */
    public int[] endOffsets() {
        return column(Column.END).clone();
    }

    public int startOffset(int index) {
        return column(Column.START)[index];
    }

    public int endOffset(int index) {
        return column(Column.END)[index];
    }

    /** Index of the pre-tokenized word each token came from, per sequence; -1 for template tokens and padding. */
    public int[] wordIndices() {
        return column(Column.WORD).clone();
    }

    public int wordIndex(int index) {
        return column(Column.WORD)[index];
    }

    /** Sequence (0 first text, 1 second text) of each token; -1 for template tokens and padding. */
    public int[] sequenceIndices() {
        return column(Column.SEQUENCE).clone();
    }

    /** Token-type (segment) id of each token. */
    public int[] typeIds() {
        return column(Column.TYPE).clone();
    }

    /** 1 for tokens a template added and for padding, 0 for tokens of the text. */
    public int[] specialTokenMask() {
        return column(Column.SPECIAL).clone();
    }

    /** 1 for real tokens, 0 for padding. */
    public int[] attentionMask() {
        return column(Column.ATTENTION).clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Encoding[");
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(tokens[i]).append('/').append(id(i)).append('@').append(startOffset(i)).append(':')
                    .append(endOffset(i));
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(tokens, e.tokens) && Arrays.deepEquals(columns, e.columns);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(column(Column.ID)) * 31 + Arrays.hashCode(column(Column.START));
    }

    // ----- package-private operations used by the pipeline -----

    private int[] column(Column c) {
        return columns[c.ordinal()];
    }

    /** The same tokens with column {@code column} replaced by {@code values}. */
    private Encoding with(Column column, int[] values) {
        int[][] c = columns.clone();
        c[column.ordinal()] = values;
        return new Encoding(tokens, c);
    }

    private static int[] filled(int n, int value) {
        int[] a = new int[n];
        Arrays.fill(a, value);
        return a;
    }

    /** The same tokens with every token-type id set to {@code typeId}. */
    Encoding withTypeId(int typeId) {
        return with(Column.TYPE, filled(tokens.length, typeId));
    }

    /** The same tokens with every sequence index set to {@code sequence}. */
    Encoding withSequenceIndex(int sequence) {
        return with(Column.SEQUENCE, filled(tokens.length, sequence));
    }

    /** The same tokens with other spans. */
    Encoding withOffsets(int[] newStarts, int[] newEnds) {
        return with(Column.START, newStarts).with(Column.END, newEnds);
    }

    /** Template tokens: spans [0, 0), no word, no sequence, special. */
    static Encoding special(int[] ids, String[] tokens, int typeId) {
        int n = ids.length;
        return new Encoding(tokens.clone(), new int[][] {ids.clone(), new int[n], new int[n], filled(n, -1),
                filled(n, -1), filled(n, typeId), filled(n, 1), filled(n, 1)});
    }

    static Encoding concat(List<Encoding> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int n = 0;
        for (Encoding e : parts) {
            n += e.length();
        }
        String[] tokens = new String[n];
        int[][] c = new int[COLUMNS][n];
        int k = 0;
        for (Encoding e : parts) {
            int m = e.length();
            System.arraycopy(e.tokens, 0, tokens, k, m);
            for (int col = 0; col < COLUMNS; col++) {
                System.arraycopy(e.columns[col], 0, c[col], k, m);
            }
            k += m;
        }
        return new Encoding(tokens, c);
    }

    /** The first (right truncation) or last (left truncation) {@code maxLength} tokens. */
    Encoding truncate(int maxLength, boolean fromLeft) {
        if (tokens.length <= maxLength) {
            return this;
        }
        int from = fromLeft ? tokens.length - maxLength : 0;
        int to = from + maxLength;
        int[][] c = new int[COLUMNS][];
        for (int col = 0; col < COLUMNS; col++) {
            c[col] = Arrays.copyOfRange(columns[col], from, to);
        }
        return new Encoding(Arrays.copyOfRange(tokens, from, to), c);
    }

    /** Padded to {@code length} with the pad token (no-op when already that long). */
    Encoding pad(int length, int padId, int padTypeId, String padToken, boolean left) {
        int n = tokens.length;
        if (n >= length) {
            return this;
        }
        int p = length - n;
        int at = left ? p : 0;
        int fill = left ? 0 : n;
        String[] newTokens = new String[length];
        System.arraycopy(tokens, 0, newTokens, at, n);
        Arrays.fill(newTokens, fill, fill + p, padToken);
        // padding, per column: the pad id, an empty span, no word, no sequence, the pad type, special, not attended
        int[] padValues = {padId, 0, 0, -1, -1, padTypeId, 1, 0};
        int[][] c = new int[COLUMNS][length];
        for (int col = 0; col < COLUMNS; col++) {
            System.arraycopy(columns[col], 0, c[col], at, n);
            Arrays.fill(c[col], fill, fill + p, padValues[col]);
        }
        return new Encoding(newTokens, c);
    }

    int[] rawStarts() {
        return column(Column.START);
    }

    int[] rawEnds() {
        return column(Column.END);
    }

    String[] rawTokens() {
        return tokens;
    }

    int[] rawIds() {
        return column(Column.ID);
    }

    /** Grows token by token. */
    static final class Builder {
        private String[] tokens = new String[16];
        private int[][] columns = new int[Column.WORD.ordinal() + 1][16]; // ID, START, END, WORD
        private int size;

        void add(int id, String token, int start, int end, int word) {
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
                for (int col = 0; col < columns.length; col++) {
                    columns[col] = Arrays.copyOf(columns[col], size * 2);
                }
            }
            tokens[size] = token;
            columns[Column.ID.ordinal()][size] = id;
            columns[Column.START.ordinal()][size] = start;
            columns[Column.END.ordinal()][size] = end;
            columns[Column.WORD.ordinal()][size] = word;
            size++;
        }

        Encoding build(int typeId) {
            int[][] c = new int[columns.length][];
            for (int col = 0; col < c.length; col++) {
                c[col] = Arrays.copyOf(columns[col], size);
            }
            return ofText(c[Column.ID.ordinal()], Arrays.copyOf(tokens, size), c[Column.START.ordinal()],
                    c[Column.END.ordinal()], c[Column.WORD.ordinal()], typeId);
        }
    }
}
