package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns BPE merges from word counts (Sennrich et al. 2016), as the Hugging Face
 * {@code BpeTrainer}: special tokens first, then the alphabet (most frequent characters, by code
 * point), then one token per merge of the most frequent adjacent pair (ties: the pair of lower
 * ids), until the vocabulary is full or no pair is as frequent as the minimum.
 *
 * <p>Pair counts are kept incrementally: a merge only visits the words that contain the pair
 * (an index from pair to words) and updates the counts of the pairs it destroys and creates; the
 * priority queue is corrected lazily (an entry whose count is stale is pushed back with the
 * current count when it surfaces).
 *
 * <p>With a continuation prefix ({@code ##}, for WordPiece) every character but a word's first
 * carries it, and a merge drops the right part's prefix.
 */
final class BpeTraining {
    private BpeTraining() {
    }

    /** What training produced: the vocabulary by id and the merges (token strings) in order. */
    record Learned(List<String> vocabulary, List<String[]> merges, int alphabetSize) {
    }

    /**
     * @param words            distinct words (sorted, for deterministic ids)
     * @param counts           occurrences of each word
     * @param specialTokens    first ids, in order
     * @param initialAlphabet  characters always in the alphabet (the 256 byte-level characters for BPE)
     * @param limitAlphabet    keep at most this many characters (0: all); the initial ones always stay
     * @param prefix           continuation prefix, or null
     */
    static Learned learn(String[] words, long[] counts, List<String> specialTokens, String initialAlphabet,
            int limitAlphabet, String prefix, int vocabularySize, long minimumFrequency) {
        List<String> idToWord = new ArrayList<>();
        Map<String, Integer> wordToId = new HashMap<>();
        for (String s : specialTokens) {
            if (!wordToId.containsKey(s)) {
                wordToId.put(s, idToWord.size());
                idToWord.add(s);
            }
        }
        // 1. The alphabet.
        Map<Integer, Long> charCounts = characterCounts(words, counts);
        if (initialAlphabet != null) {
            initialAlphabet.codePoints().forEach(cp -> charCounts.put(cp, Long.MAX_VALUE));
        }
        List<Map.Entry<Integer, Long>> kept = new ArrayList<>(charCounts.entrySet());
        if (limitAlphabet > 0 && kept.size() > limitAlphabet) {
            kept.sort((a, b) -> a.getValue().equals(b.getValue()) ? Integer.compare(b.getKey(), a.getKey())
                    : Long.compare(a.getValue(), b.getValue()));
            kept = new ArrayList<>(kept.subList(kept.size() - limitAlphabet, kept.size()));
        }
        kept.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Integer, Long> e : kept) {
            String s = new String(Character.toChars(e.getKey()));
            if (!wordToId.containsKey(s)) {
                wordToId.put(s, idToWord.size());
                idToWord.add(s);
            }
        }
        int alphabetSize = kept.size();
        // 2. Words as symbol ids (characters outside the alphabet are left out).
        int n = words.length;
        int[][] symbols = new int[n][];
        int[] lengths = new int[n];
        for (int w = 0; w < n; w++) {
            String word = words[w];
            int[] sym = new int[word.length()];
            int len = 0;
            boolean first = true;
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i);
                i += Character.charCount(cp);
                String s = new String(Character.toChars(cp));
                if (!wordToId.containsKey(s)) {
                    first = false;
                    continue;
                }
                if (!first && prefix != null) {
                    s = prefix + s;
                }
                first = false;
                Integer id = wordToId.get(s);
                if (id == null) {
                    id = idToWord.size();
                    wordToId.put(s, id);
                    idToWord.add(s);
                }
                sym[len++] = id;
            }
            symbols[w] = sym;
            lengths[w] = len;
        }
        if (idToWord.size() > vocabularySize) {
            throw new IllegalArgumentException("vocabulary size " + vocabularySize + " is smaller than the alphabet: "
                    + specialTokens.size() + " special tokens and " + (idToWord.size() - specialTokens.size())
                    + " characters" + (prefix == null ? "" : " (with their " + prefix + " continuations)")
                    + "; use a vocabulary size of at least " + idToWord.size()
                    + (prefix == null ? "" : " or limit the alphabet"));
        }
        // 3. Pair counts and where each pair occurs.
        PairTable pairs = new PairTable(1 << 16);
        for (int w = 0; w < n; w++) {
            int[] sym = symbols[w];
            for (int i = 0; i + 1 < lengths[w]; i++) {
                int slot = pairs.slot(pair(sym[i], sym[i + 1]));
                pairs.counts[slot] += counts[w];
                pairs.addWhere(slot, w);
            }
        }
        PairQueue queue = new PairQueue(pairs.size() + 16);
        for (int slot = 0; slot < pairs.size(); slot++) {
            if (pairs.counts[slot] > 0) {
                queue.push(pairs.counts[slot], pairs.keys[slot]);
            }
        }
        // 4. Merge.
        List<String[]> merges = new ArrayList<>();
        int[] visited = new int[n];
        Arrays.fill(visited, -1);
        int[] touched = new int[64];
        int iteration = 0;
        while (idToWord.size() < vocabularySize && queue.size() > 0) {
            long count = queue.topCount();
            long key = queue.topPair();
            queue.pop();
            int slot = pairs.find(key);
            long current = pairs.counts[slot];
            if (count != current) {
                if (current > 0) {
                    queue.push(current, key);
                }
                continue;
            }
            if (count < 1 || count < minimumFrequency) {
                break;
            }
            int left = (int) (key >>> 32);
            int right = (int) key;
            String partB = idToWord.get(right);
            if (prefix != null && partB.startsWith(prefix)) {
                partB = partB.substring(prefix.length());
            }
            String merged = idToWord.get(left) + partB;
            Integer mergedId = wordToId.get(merged);
            if (mergedId == null) {
                mergedId = idToWord.size();
                wordToId.put(merged, mergedId);
                idToWord.add(merged);
            }
            merges.add(new String[] {idToWord.get(left), idToWord.get(right)});
            int newId = mergedId;
            int touchedCount = 0;
            int[] where = pairs.where[slot];
            int whereSize = pairs.whereSize[slot];
            pairs.where[slot] = null;
            pairs.whereSize[slot] = 0;
            pairs.counts[slot] = 0;
            for (int k = 0; k < whereSize; k++) {
                int w = where[k];
                if (visited[w] == iteration) {
                    continue;
                }
                visited[w] = iteration;
                int[] sym = symbols[w];
                int len = lengths[w];
                long c = counts[w];
                int out = 0;
                int r = 0;
                while (r < len) {
                    if (sym[r] == left && r + 1 < len && sym[r + 1] == right) {
                        if (out > 0) {
                            int before = sym[out - 1];
                            pairs.counts[pairs.slot(pair(before, left))] -= c;
                            int s = pairs.slot(pair(before, newId));
                            pairs.counts[s] += c;
                            pairs.addWhere(s, w);
                            touched = mark(touched, touchedCount++, s);
                        }
                        if (r + 2 < len) {
                            int after = sym[r + 2];
                            pairs.counts[pairs.slot(pair(right, after))] -= c;
                            int s = pairs.slot(pair(newId, after));
                            pairs.counts[s] += c;
                            pairs.addWhere(s, w);
                            touched = mark(touched, touchedCount++, s);
                        }
                        sym[out++] = newId;
                        r += 2;
                    } else {
                        sym[out++] = sym[r++];
                    }
                }
                lengths[w] = out;
            }
            for (int k = 0; k < touchedCount; k++) {
                int s = touched[k];
                if (pairs.pushedAt[s] != iteration && pairs.counts[s] > 0) {
                    pairs.pushedAt[s] = iteration;
                    queue.push(pairs.counts[s], pairs.keys[s]);
                }
            }
            iteration++;
        }
        return new Learned(idToWord, merges, alphabetSize);
    }

    private static int[] mark(int[] touched, int at, int slot) {
        if (at == touched.length) {
            touched = Arrays.copyOf(touched, at * 2);
        }
        touched[at] = slot;
        return touched;
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Pair -> slot, with per-slot count and word index (words may repeat; readers skip repeats). */
    private static final class PairTable {
        private long[] table; // open addressing: pair key, or -1
        private int[] tableSlot;
        private int mask;
        long[] keys;
        long[] counts;
        int[][] where;
        int[] whereSize;
        int[] pushedAt;
        private int size;

        PairTable(int capacity) {
            table = new long[capacity * 2];
            tableSlot = new int[capacity * 2];
            Arrays.fill(table, -1L);
            mask = table.length - 1;
            keys = new long[capacity];
            counts = new long[capacity];
            where = new int[capacity][];
            whereSize = new int[capacity];
            pushedAt = new int[capacity];
            Arrays.fill(pushedAt, -1);
        }

        int size() {
            return size;
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 31));
        }

        /** The table index holding {@code key}, or the empty one where it would go. */
        private int probe(long key) {
            int i = hash(key) & mask;
            while (table[i] != -1L && table[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        int find(long key) {
            int i = probe(key);
            return table[i] == -1L ? -1 : tableSlot[i];
        }

        /** The slot of {@code key}, created (count 0) if new. */
        int slot(long key) {
            int i = probe(key);
            if (table[i] != -1L) {
                return tableSlot[i];
            }
            if (size == keys.length) {
                int c = size * 2;
                keys = Arrays.copyOf(keys, c);
                counts = Arrays.copyOf(counts, c);
                where = Arrays.copyOf(where, c);
                whereSize = Arrays.copyOf(whereSize, c);
                int old = pushedAt.length;
                pushedAt = Arrays.copyOf(pushedAt, c);
                Arrays.fill(pushedAt, old, c, -1);
            }
            int s = size++;
            keys[s] = key;
            table[i] = key;
            tableSlot[i] = s;
            if (size * 2 > table.length) {
                rehash();
            }
            return s;
        }

        private void rehash() {
            long[] oldTable = table;
            int[] oldSlot = tableSlot;
            table = new long[oldTable.length * 2];
            tableSlot = new int[table.length];
            Arrays.fill(table, -1L);
            mask = table.length - 1;
            for (int j = 0; j < oldTable.length; j++) {
                if (oldTable[j] != -1L) {
                    int i = hash(oldTable[j]) & mask;
                    while (table[i] != -1L) {
                        i = (i + 1) & mask;
                    }
                    table[i] = oldTable[j];
                    tableSlot[i] = oldSlot[j];
                }
            }
        }

        void addWhere(int slot, int word) {
            int[] w = where[slot];
            int s = whereSize[slot];
            if (w == null) {
                w = new int[4];
                where[slot] = w;
            } else if (s > 0 && w[s - 1] == word) {
                return;
            } else if (s == w.length) {
                w = Arrays.copyOf(w, s * 2);
                where[slot] = w;
            }
            w[s] = word;
            whereSize[slot] = s + 1;
        }
    }

    /** Max-heap of (count, pair): higher count first, then the lower pair (as the reference). */
    private static final class PairQueue {
        private long[] counts;
        private long[] pairs;
        private int size;

        PairQueue(int capacity) {
            counts = new long[capacity];
            pairs = new long[capacity];
        }

        int size() {
            return size;
        }

        long topCount() {
            return counts[0];
        }

        long topPair() {
            return pairs[0];
        }

        private static boolean before(long countA, long pairA, long countB, long pairB) {
            return countA > countB || (countA == countB && pairA < pairB);
        }

        void push(long count, long pair) {
            if (size == counts.length) {
                counts = Arrays.copyOf(counts, size * 2);
                pairs = Arrays.copyOf(pairs, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(count, pair, counts[parent], pairs[parent])) {
                    break;
                }
                counts[i] = counts[parent];
                pairs[i] = pairs[parent];
                i = parent;
            }
            counts[i] = count;
            pairs[i] = pair;
        }

        void pop() {
            long lastCount = counts[--size];
            long lastPair = pairs[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(counts[child + 1], pairs[child + 1], counts[child], pairs[child])) {
                    child++;
                }
                if (!before(counts[child], pairs[child], lastCount, lastPair)) {
                    break;
                }
                counts[i] = counts[child];
                pairs[i] = pairs[child];
                i = child;
            }
            if (size > 0) {
                counts[i] = lastCount;
                pairs[i] = lastPair;
            }
        }
    }

    /** Each code point's count over the words, each word counted {@code counts[w]} times (a mutable map). */
    static Map<Integer, Long> characterCounts(String[] words, long[] counts) {
        Map<Integer, Long> charCounts = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String word = words[w];
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i);
                charCounts.merge(cp, counts[w], Long::sum);
                i += Character.charCount(cp);
            }
        }
        return charCounts;
    }
}
