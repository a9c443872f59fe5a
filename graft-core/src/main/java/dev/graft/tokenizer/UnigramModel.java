package dev.graft.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Unigram language model of SentencePiece (Kudo 2018, "Subword Regularization"), as the
 * Hugging Face {@code Unigram} model runs it: every vocabulary entry has a score (a log
 * probability) and a word is split into the pieces whose scores sum highest (Viterbi over the
 * lattice of vocabulary matches).
 *
 * <p>The reference's rules, kept exactly: at each character position all vocabulary entries that
 * start there are candidates; if none of them is exactly that one character, the character may
 * also be the unknown token with score {@code min(scores) - 10}; on equal totals the path whose
 * last piece starts earliest wins (the first candidate found); runs of adjacent unknown
 * characters are fused into one unknown token whose token string is the original text (not
 * {@code <unk>}); with {@code byte_fallback}, an unknown run becomes the {@code <0xXX>} tokens of
 * its UTF-8 bytes when all of them are in the vocabulary, each with the span of the whole run.
 * A character that no entry covers in a model without an unknown token is an error.
 */
final class UnigramModel implements TokenModel {
    /** The reference's {@code K_UNK_PENALTY}. */
    static final double UNKNOWN_PENALTY = 10.0;
    private static final int CACHE_CAPACITY = 200_000;
    private static final int CACHE_MAX_WORD = 256;

    /** Pieces by id. */
    private final String[] pieces;
    /** Scores by id. */
    private final double[] scores;
    /** piece -> id (the last id for a piece listed twice, as the reference). */
    private final Map<String, Integer> ids;
    /** -1 if none. */
    final int unknownId;
    final boolean byteFallback;
    private final double unknownScore;
    private final Trie trie;
    /** word -> {id, start, end, ...} */
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /** A vocabulary entry: piece and score. */
    record Piece(String piece, double score) {
    }

    UnigramModel(List<Piece> vocabulary, int unknownId, boolean byteFallback) {
        if (unknownId >= 0 && unknownId >= vocabulary.size()) {
            throw new IllegalArgumentException("Unigram unk_id " + unknownId + " is outside the vocabulary of "
                    + vocabulary.size() + " pieces; set unk_id to the id of the unknown piece");
        }
        if (unknownId >= 0 && vocabulary.isEmpty()) {
            throw new IllegalArgumentException("Unigram vocabulary is empty but an unknown token is set");
        }
        int n = vocabulary.size();
        this.pieces = new String[n];
        this.scores = new double[n];
        this.ids = new HashMap<>(n * 2);
        double min = Double.POSITIVE_INFINITY;
        Trie.Builder tb = new Trie.Builder();
        for (int id = 0; id < n; id++) {
            Piece p = vocabulary.get(id);
            pieces[id] = p.piece();
            scores[id] = p.score();
            ids.put(p.piece(), id);
            tb.add(p.piece());
            if (p.score() < min) {
                min = p.score();
            }
        }
        for (int id = 0; id < n; id++) {
            tb.setValue(pieces[id], ids.get(pieces[id]));
        }
        this.trie = tb.build();
        this.unknownId = unknownId;
        this.byteFallback = byteFallback;
        this.unknownScore = min - UNKNOWN_PENALTY;
    }

    /** The score of an id. */
    double score(int id) {
        return scores[id];
    }

    /** The entries to ids and back (a piece listed twice: its last id). */
    @Override
    public Vocabulary vocabulary() {
        return new Vocabulary(ids);
    }

    /** The vocabulary as (piece, score) pairs, by id. */
    List<Piece> pieces() {
        Piece[] out = new Piece[pieces.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Piece(pieces[i], scores[i]);
        }
        return List.of(out);
    }

    @Override
    public void tokenize(String word, TokenSink sink) {
        int[] t = cache.get(word);
        if (t == null) {
            t = split(word);
            if (word.length() < CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) {
                cache.put(word, t);
            }
        }
        for (int k = 0; k < t.length; k += 3) {
            sink.token(t[k], t[k + 1], t[k + 2]);
        }
    }

    @Override
    public String tokenString(int id, String word, int start, int end) {
        String piece = idToToken(id);
        if (id == unknownId && !word.regionMatches(start, piece, 0, end - start)) {
            return word.substring(start, end); // the reference reports an unknown run by its text
        }
        return piece;
    }

    /** Viterbi segmentation: {id, start, end} triples in UTF-16 units of {@code word}. */
    int[] split(String word) {
        int n = word.length();
        if (n == 0) {
            return new int[0];
        }
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] idAt = new int[n + 1];
        Arrays.fill(from, -1);
        int[] found = new int[16];
        for (int start = 0; start < n; ) {
            if (start > 0 && from[start] < 0) {
                start += Character.charCount(word.codePointAt(start)); // unreachable (never in valid text)
                continue;
            }
            double here = best[start];
            int charLength = Character.charCount(word.codePointAt(start));
            boolean single = false;
            int count = trie.prefixes(word, start, found);
            if (count > found.length) {
                found = new int[count * 2];
                count = trie.prefixes(word, start, found);
            }
            for (int k = 0; k < count; k += 2) {
                int end = found[k];
                int id = found[k + 1];
                double candidate = scores[id] + here;
                if (from[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    from[end] = start;
                    idAt[end] = id;
                }
                if (end - start == charLength) {
                    single = true;
                }
            }
            if (!single) {
                int end = start + charLength;
                double candidate = unknownScore + here;
                if (from[end] < 0 || candidate > best[end]) {
                    if (unknownId < 0) {
                        throw new IllegalArgumentException("the Unigram vocabulary has no piece for '"
                                + word.substring(start, end) + "' (U+" + Integer.toHexString(word.codePointAt(start))
                                .toUpperCase(java.util.Locale.ROOT) + ") and no unknown token (unk_id); "
                                + "set unk_id in tokenizer.json or add the character to the vocabulary");
                    }
                    best[end] = candidate;
                    from[end] = start;
                    idAt[end] = unknownId;
                }
            }
            start += charLength;
        }
        // Back-track, fusing adjacent unknown pieces.
        int[] rev = new int[3 * 8];
        int size = 0;
        int end = n;
        while (end > 0) {
            int start = from[end];
            int id = idAt[end];
            if (id == unknownId) {
                while (start > 0 && idAt[start] == unknownId) {
                    start = from[start];
                }
            }
            if (size + 3 > rev.length) {
                rev = Arrays.copyOf(rev, rev.length * 2);
            }
            rev[size++] = id;
            rev[size++] = start;
            rev[size++] = end;
            end = start;
        }
        // Forward order; the fused unknown run is looked up as a string (it may be a piece), else byte fallback.
        int[] out = new int[size];
        int m = 0;
        for (int k = size - 3; k >= 0; k -= 3) {
            int id = rev[k];
            int s = rev[k + 1];
            int e = rev[k + 2];
            if (id == unknownId) {
                String text = word.substring(s, e);
                Integer known = ids.get(text);
                if (known != null) {
                    id = known;
                } else if (byteFallback) {
                    int[] bytes = byteTokens(text);
                    if (bytes != null) {
                        if (m + 3 * bytes.length > out.length) {
                            out = Arrays.copyOf(out, m + 3 * bytes.length + k + 3);
                        }
                        for (int b : bytes) {
                            out[m++] = b;
                            out[m++] = s;
                            out[m++] = e;
                        }
                        continue;
                    }
                }
            }
            if (m + 3 > out.length) {
                out = Arrays.copyOf(out, out.length + 3 + k);
            }
            out[m++] = id;
            out[m++] = s;
            out[m++] = e;
        }
        return m == out.length ? out : Arrays.copyOf(out, m);
    }

    /** The {@code <0xXX>} ids of the UTF-8 bytes of {@code text}, or null if one is missing. */
    private int[] byteTokens(String text) {
        return Vocabulary.byteFallbackIds(text, ids::get);
    }

    @Override
    public int tokenToId(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public int size() {
        return pieces.length;
    }

    @Override
    public String[] vocabularyById() {
        return pieces.clone();
    }

    /**
     * A character trie over the pieces (UTF-16 units; the reference's byte trie finds the same
     * pieces, since pieces are whole characters): children in one hash map keyed by (node, char).
     */
    static final class Trie {
        private final HashMap<Long, Integer> children;
        /** Piece id ending at each node, or -1. */
        private final int[] values;

        private Trie(HashMap<Long, Integer> children, int[] values) {
            this.children = children;
            this.values = values;
        }

        /**
         * The pieces that start at {@code start}: (end, id) pairs in {@code out}, shortest first.
         *
         * @return the number of ints needed (may exceed {@code out.length}; then call again with a larger array)
         */
        int prefixes(String s, int start, int[] out) {
            int node = 0;
            int count = 0;
            for (int i = start; i < s.length(); i++) {
                Integer next = children.get(((long) node << 16) | s.charAt(i));
                if (next == null) {
                    break;
                }
                node = next;
                int v = values[node];
                if (v >= 0 && (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                        || !Character.isHighSurrogate(s.charAt(i)))) {
                    if (count + 2 <= out.length) {
                        out[count] = i + 1;
                        out[count + 1] = v;
                    }
                    count += 2;
                }
            }
            return count;
        }

        static final class Builder {
            private final HashMap<Long, Integer> children = new HashMap<>();
            private int[] values = {-1};
            private int nodes = 1;

            void add(String piece) {
                node(piece);
            }

            private int node(String piece) {
                int node = 0;
                for (int i = 0; i < piece.length(); i++) {
                    long key = ((long) node << 16) | piece.charAt(i);
                    Integer next = children.get(key);
                    if (next == null) {
                        next = nodes++;
                        if (nodes > values.length) {
                            int old = values.length;
                            values = Arrays.copyOf(values, Math.max(16, old * 2));
                            Arrays.fill(values, old, values.length, -1);
                        }
                        children.put(key, next);
                    }
                    node = next;
                }
                return node;
            }

            void setValue(String piece, int id) {
                if (!piece.isEmpty()) {
                    values[node(piece)] = id;
                }
            }

            Trie build() {
                return new Trie(children, Arrays.copyOf(values, nodes));
            }
        }
    }
}
