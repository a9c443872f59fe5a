package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Byte-pair encoding (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with
 * Subword Units"): a word starts as one symbol per character; the adjacent pair with the
 * lowest merge rank is merged (leftmost first among equal ranks) until no pair has a rank.
 * The same procedure as the Hugging Face {@code Word::merge_all}, with the same options.
 */
final class BpeModel implements TokenModel {
    private final Vocabulary vocabulary;
    /** The merges in rank order, as (left, right). */
    final List<String[]> merges;
    /** (left id << 32 | right id) -> rank << 32 | merged id. */
    private final LongLongMap mergeTable;
    /** The id each merge (by rank) makes. */
    private final int[] mergedIdByRank;
    final String unknownToken;
    private final int unknownId;
    final String continuingSubwordPrefix;
    final String endOfWordSuffix;
    final boolean fuseUnknown;
    final boolean byteFallback;
    final boolean ignoreMerges;
    /** Id of each BMP character as a whole-word symbol when there is no prefix or suffix, or -1. */
    private final int[] charIds;
    /** word -> {id, start, end, id, start, end, ...} */
    private final WordCache cache = new WordCache(this::split);

    BpeModel(Map<String, Integer> vocabulary, List<String[]> merges, String unknownToken,
            String continuingSubwordPrefix, String endOfWordSuffix, boolean fuseUnknown, boolean byteFallback,
            boolean ignoreMerges) {
        this.vocabulary = new Vocabulary(vocabulary);
        this.merges = List.copyOf(merges);
        this.unknownToken = unknownToken;
        Integer unk = unknownToken == null ? null : vocabulary.get(unknownToken);
        if (unknownToken != null && unk == null) {
            throw new IllegalArgumentException("BPE unknown token '" + unknownToken
                    + "' is not in the vocabulary; add it to model.vocab or set unk_token to null");
        }
        this.unknownId = unk == null ? -1 : unk;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.fuseUnknown = fuseUnknown;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        int prefixLength = continuingSubwordPrefix == null ? 0 : continuingSubwordPrefix.length();
        this.mergeTable = new LongLongMap(merges.size() * 2 + 16);
        this.mergedIdByRank = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer left = vocabulary.get(m[0]);
            Integer right = vocabulary.get(m[1]);
            if (left == null || right == null) {
                throw new IllegalArgumentException("BPE merge " + (rank + 1) + " '" + m[0] + " " + m[1]
                        + "' uses a token that is not in the vocabulary; the merges and vocab do not match");
            }
            String mergedText = m[0] + (m[1].length() >= prefixLength && prefixLength > 0
                    && m[1].startsWith(continuingSubwordPrefix) ? m[1].substring(prefixLength) : m[1]);
            Integer merged = vocabulary.get(mergedText);
            if (merged == null) {
                throw new IllegalArgumentException("BPE merge " + (rank + 1) + " '" + m[0] + " " + m[1]
                        + "' makes '" + mergedText + "', which is not in the vocabulary; the merges and vocab do not match");
            }
            mergedIdByRank[rank] = merged;
            // a repeated pair keeps its last rank, as the reference's map does
            mergeTable.put(pair(left, right), ((long) rank << 32) | merged);
        }
        this.charIds = new int[0x10000];
        Arrays.fill(charIds, -1);
        if ((continuingSubwordPrefix == null || continuingSubwordPrefix.isEmpty())
                && (endOfWordSuffix == null || endOfWordSuffix.isEmpty())) {
            for (Map.Entry<String, Integer> e : vocabulary.entrySet()) {
                String k = e.getKey();
                if (k.length() == 1) {
                    charIds[k.charAt(0)] = e.getValue();
                }
            }
        }
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public void tokenize(String word, TokenSink sink) {
        int[] tokens = cache.get(word);
        for (int k = 0; k < tokens.length; k += 3) {
            sink.token(tokens[k], tokens[k + 1], tokens[k + 2]);
        }
    }

    private int[] split(String word) {
        if (ignoreMerges) {
            Integer id = vocabulary.get(word);
            if (id != null) {
                return new int[] {id, 0, word.length()};
            }
        }
        Symbols w = initialSymbols(word);
        mergeAll(w);
        int[] out = new int[w.size * 3];
        int k = 0;
        for (int i = 0; i < w.size; i++) {
            if (w.length[i] < 0) {
                continue; // merged away
            }
            out[k++] = w.id[i];
            out[k++] = w.start[i];
            out[k++] = w.start[i] + w.length[i];
        }
        return Arrays.copyOf(out, k);
    }

    /** The symbols of a word: parallel arrays with a doubly linked list over them. */
    private static final class Symbols {
        int[] id;
        int[] start;
        int[] length; // -1 once merged into its left neighbour
        int[] prev;
        int[] next;
        int size;

        Symbols(int capacity) {
            id = new int[capacity];
            start = new int[capacity];
            length = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
        }

        void add(int tokenId, int tokenStart, int tokenLength) {
            if (size == id.length) {
                int c = size * 2 + 4;
                id = Arrays.copyOf(id, c);
                start = Arrays.copyOf(start, c);
                length = Arrays.copyOf(length, c);
                prev = Arrays.copyOf(prev, c);
                next = Arrays.copyOf(next, c);
            }
            id[size] = tokenId;
            start[size] = tokenStart;
            length[size] = tokenLength;
            prev[size] = size - 1;
            next[size] = size + 1;
            size++;
        }
    }

    private Symbols initialSymbols(String word) {
        int n = word.length();
        Symbols w = new Symbols(n);
        int unkStart = -1;
        int unkLength = 0;
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int count = Character.charCount(cp);
            boolean first = i == 0;
            boolean last = i + count == n;
            int id = -1;
            if (count == 1 && charIds[cp] >= 0) {
                id = charIds[cp];
            } else if (count == 1 && (continuingSubwordPrefix == null || continuingSubwordPrefix.isEmpty())
                    && (endOfWordSuffix == null || endOfWordSuffix.isEmpty())) {
                id = -1;
            } else {
                String s = word.substring(i, i + count);
                if (!first && continuingSubwordPrefix != null) {
                    s = continuingSubwordPrefix + s;
                }
                if (last && endOfWordSuffix != null) {
                    s = s + endOfWordSuffix;
                }
                Integer found = vocabulary.get(s);
                id = found == null ? -1 : found;
            }
            if (id >= 0) {
                if (unkStart >= 0) {
                    w.add(unknownId, unkStart, unkLength);
                    unkStart = -1;
                }
                w.add(id, i, count);
            } else if (byteFallback && byteIds(cp) != null) {
                if (unkStart >= 0) {
                    w.add(unknownId, unkStart, unkLength);
                    unkStart = -1;
                }
                for (int byteId : byteIds(cp)) {
                    // every byte token spans its whole character, as the reference's offsets do
                    w.add(byteId, i, count);
                }
            } else if (unknownId >= 0) {
                if (unkStart >= 0 && fuseUnknown) {
                    unkLength += count;
                } else {
                    if (unkStart >= 0) {
                        w.add(unknownId, unkStart, unkLength);
                    }
                    unkStart = i;
                    unkLength = count;
                }
            }
            // else: a character outside the vocabulary with no unknown token is dropped (as the reference)
            i += count;
        }
        if (unkStart >= 0) {
            w.add(unknownId, unkStart, unkLength);
        }
        if (w.size > 0) {
            w.next[w.size - 1] = -1;
        }
        return w;
    }

    /** The byte-fallback tokens ({@code <0xAB>}) of a character's UTF-8 bytes, or null if one is missing. */
    private int[] byteIds(int cp) {
        return Vocabulary.byteFallbackIds(new String(Character.toChars(cp)), vocabulary::get);
    }

    /** Merges by rank with a min-heap of (rank, position), skipping stale entries. */
    private void mergeAll(Symbols w) {
        int n = w.size;
        if (n < 2) {
            return;
        }
        LongHeap heap = new LongHeap(n * 2);
        for (int i = 0; i + 1 < n; i++) {
            long m = mergeTable.get(pair(w.id[i], w.id[i + 1]));
            if (m != LongLongMap.MISSING) {
                heap.push(((m >>> 32) << 32) | i);
            }
        }
        while (heap.size() > 0) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (w.length[pos] < 0) {
                continue;
            }
            int right = w.next[pos];
            if (right < 0) {
                continue;
            }
            long m = mergeTable.get(pair(w.id[pos], w.id[right]));
            // a stale entry: the pair at pos no longer makes the token this entry was for
            if (m == LongLongMap.MISSING || (int) m != mergedIdByRank[rank]) {
                continue;
            }
            int merged = mergedIdByRank[rank];
            w.id[pos] = merged;
            w.length[pos] += w.length[right];
            w.length[right] = -1;
            int after = w.next[right];
            w.next[pos] = after;
            if (after >= 0) {
                w.prev[after] = pos;
            }
            int before = w.prev[pos];
            if (before >= 0) {
                long mm = mergeTable.get(pair(w.id[before], merged));
                if (mm != LongLongMap.MISSING) {
                    heap.push(((mm >>> 32) << 32) | before);
                }
            }
            if (after >= 0) {
                long mm = mergeTable.get(pair(merged, w.id[after]));
                if (mm != LongLongMap.MISSING) {
                    heap.push(((mm >>> 32) << 32) | pos);
                }
            }
        }
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The merges as "left right" strings, in rank order. */
    List<String[]> mergeList() {
        return new ArrayList<>(merges);
    }

    /** An open-addressing map from long to long (keys never equal {@link #EMPTY}). */
    static final class LongLongMap {
        static final long MISSING = Long.MIN_VALUE;
        private static final long EMPTY = Long.MIN_VALUE;
        private long[] keys;
        private long[] values;
        private int mask;
        private int size;

        LongLongMap(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2) - 1) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, EMPTY);
            mask = capacity - 1;
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29));
        }

        long get(long key) {
            int i = hash(key) & mask;
            while (true) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == EMPTY) {
                    return MISSING;
                }
                i = (i + 1) & mask;
            }
        }

        void put(long key, long value) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            int i = hash(key) & mask;
            while (keys[i] != EMPTY && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (keys[i] == EMPTY) {
                size++;
            }
            keys[i] = key;
            values[i] = value;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new long[oldKeys.length * 2];
            Arrays.fill(keys, EMPTY);
            mask = keys.length - 1;
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }
    }

    /** A binary min-heap of longs. */
    static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        int size() {
            return size;
        }

        void push(long v) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long pop() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            if (size > 0) {
                heap[i] = last;
            }
            return top;
        }
    }
}
