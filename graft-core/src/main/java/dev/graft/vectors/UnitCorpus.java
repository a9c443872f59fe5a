package dev.graft.vectors;

import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A corpus as unit ids, ready for counting or skip-gram training: the vocabulary (row i of the
 * vectors is unit i), every unit's number of occurrences, and the stream of the units that are
 * trained (at least {@code minCount} occurrences) with the ends of its documents. Rarer units are
 * removed from the stream before any window is taken, as word2vec and hyperwords do, so a window
 * reaches across them.
 *
 * <p>Two kinds of units: a tokenizer's tokens (the vocabulary is the tokenizer's, id for id, so the
 * vectors line up with a transformer's embedding table; tokens never seen or seen too rarely keep
 * a zero row) or lowercased words from {@link WordSplitter} (the vocabulary is the words with at
 * least {@code minCount} occurrences, most frequent first, ties in string order).
 *
 * @param units        what a unit is
 * @param vocabulary   unit i's string: row i of the vectors, line i of vocab.txt
 * @param counts       occurrences of each unit in the corpus (before the min-count filter)
 * @param minCount     occurrences a unit needs to be trained
 * @param stream       the trained units in corpus order (ids into the vocabulary). Do not modify.
 * @param documentEnds exclusive ends of the documents in {@link #stream()}; no window crosses one. Do not modify.
 * @param occurrences  every unit occurrence in the corpus, before the min-count filter
 */
public record UnitCorpus(Units units, List<String> vocabulary, long[] counts, int minCount, int[] stream,
                         int[] documentEnds, long occurrences) {
    /** What a unit is. */
    public enum Units { TOKENIZER, WORDS }

    public UnitCorpus {
        vocabulary = List.copyOf(vocabulary);
    }

    /** Lowercased words of the documents, keeping words seen at least {@code minCount} times. */
    public static UnitCorpus ofWords(Iterator<String> documents, int minCount) {
        Map<String, Integer> provisional = new HashMap<>();
        List<String> names = new ArrayList<>();
        long[] provisionalCounts = new long[1024];
        IntList ids = new IntList();
        IntList ends = new IntList();
        while (documents.hasNext()) {
            for (String w : WordSplitter.words(documents.next())) {
                Integer id = provisional.get(w);
                if (id == null) {
                    id = names.size();
                    provisional.put(w, id);
                    names.add(w);
                    if (id == provisionalCounts.length) {
                        provisionalCounts = Arrays.copyOf(provisionalCounts, id * 2);
                    }
                }
                provisionalCounts[id]++;
                ids.add(id);
            }
            if (ids.size() > (ends.size() == 0 ? 0 : ends.get(ends.size() - 1))) {
                ends.add(ids.size());
            }
        }
        long[] pc = provisionalCounts;
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (pc[i] >= minCount) {
                kept.add(i);
            }
        }
        kept.sort(Comparator.<Integer>comparingLong(i -> -pc[i]).thenComparing(names::get));
        int[] remap = new int[names.size()];
        Arrays.fill(remap, -1);
        List<String> vocabulary = new ArrayList<>(kept.size());
        long[] counts = new long[kept.size()];
        for (int r = 0; r < kept.size(); r++) {
            remap[kept.get(r)] = r;
            vocabulary.add(names.get(kept.get(r)));
            counts[r] = pc[kept.get(r)];
        }
        return filtered(Units.WORDS, vocabulary, counts, minCount, ids.toArray(), ends.toArray(), remap);
    }

    /** The tokenizer's tokens of the documents (no special tokens added); every id keeps its row. */
    public static UnitCorpus ofTokens(Iterator<String> documents, Tokenizer tokenizer, int minCount, int threads) {
        EncodedCorpus encoded = CorpusEncoder.encode(tokenizer, documents, threads, null);
        int size = tokenizer.vocabularySize();
        long[] counts = encoded.unigramCounts(size);
        int[] ids = new int[encoded.tokenCount()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encoded.token(i);
        }
        int[] ends = new int[encoded.documentCount()];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = encoded.documentEnd(i);
        }
        List<String> vocabulary = new ArrayList<>(size);
        int[] remap = new int[size];
        for (int i = 0; i < size; i++) {
            String t = tokenizer.idToToken(i);
            vocabulary.add(t == null ? "" : t);
            remap[i] = counts[i] >= minCount ? i : -1;
        }
        return filtered(Units.TOKENIZER, vocabulary, counts, minCount, ids, ends, remap);
    }

    /** A corpus from ids already assigned (tests and callers with their own units). */
    public static UnitCorpus ofIds(Units units, List<String> vocabulary, List<int[]> documents, int minCount) {
        long[] counts = new long[vocabulary.size()];
        IntList ids = new IntList();
        IntList ends = new IntList();
        for (int[] d : documents) {
            for (int id : d) {
                if (id < 0 || id >= vocabulary.size()) {
                    throw new IllegalArgumentException("unit id " + id + " is outside the vocabulary of "
                            + vocabulary.size());
                }
                counts[id]++;
                ids.add(id);
            }
            if (d.length > 0) {
                ends.add(ids.size());
            }
        }
        int[] remap = new int[vocabulary.size()];
        for (int i = 0; i < remap.length; i++) {
            remap[i] = counts[i] >= minCount ? i : -1;
        }
        return filtered(units, vocabulary, counts, minCount, ids.toArray(), ends.toArray(), remap);
    }

    private static UnitCorpus filtered(Units units, List<String> vocabulary, long[] counts, int minCount, int[] ids,
                                       int[] ends, int[] remap) {
        IntList stream = new IntList();
        IntList documentEnds = new IntList();
        int d = 0;
        for (int i = 0; i < ids.length; i++) {
            int r = remap[ids[i]];
            if (r >= 0) {
                stream.add(r);
            }
            while (d < ends.length && ends[d] == i + 1) {
                d++;
                if (stream.size() > (documentEnds.size() == 0 ? 0 : documentEnds.get(documentEnds.size() - 1))) {
                    documentEnds.add(stream.size());
                }
            }
        }
        return new UnitCorpus(units, vocabulary, counts, minCount, stream.toArray(), documentEnds.toArray(),
                ids.length);
    }

    public int size() {
        return vocabulary.size();
    }

    /** Occurrences of unit i in the corpus (before the min-count filter). */
    public long count(int i) {
        return counts[i];
    }

    /** Whether unit i is trained (seen at least min-count times); the others keep a zero row. */
    public boolean trained(int i) {
        return counts[i] >= minCount;
    }

    /** Units that are trained. */
    public int trainedUnits() {
        int n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += trained(i) ? 1 : 0;
        }
        return n;
    }

    /** Units of the vocabulary never seen in the corpus. */
    public int unseenUnits() {
        int n = 0;
        for (long c : counts) {
            n += c == 0 ? 1 : 0;
        }
        return n;
    }

    /** Growable int array. */
    static final class IntList {
        private int[] a = new int[1 << 12];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
