package dev.graft.vectors;

import java.util.Arrays;

/**
 * Windowed co-occurrence counts over a {@link UnitCorpus}: for every two units at distance
 * {@code k <= window} inside one document, {@code X[a][b]} and {@code X[b][a]} each grow by the
 * weight of {@code k} (a symmetric window). Counts live in an open-addressing hash map over
 * unordered pairs (12 bytes a slot) and come out as a {@link SparseMatrix}; nothing dense.
 */
public final class Cooccurrence {
    /** How a pair's weight falls with its distance k in a window of size w. */
    public enum Weighting {
        /** Every pair in the window counts 1. */
        NONE,
        /**
         * {@code (w - k + 1) / w}: the expected weight under word2vec's dynamic window (a window
         * size drawn uniformly from 1..w), as hyperwords' "dyn" option (Levy, Goldberg and Dagan 2015).
         */
        LINEAR,
        /** {@code 1 / k}, as GloVe (Pennington, Socher and Manning 2014). */
        HARMONIC;

        double weight(int distance, int window) {
            return switch (this) {
                case NONE -> 1.0;
                case LINEAR -> (window - distance + 1) / (double) window;
                case HARMONIC -> 1.0 / distance;
            };
        }
    }

    private Cooccurrence() {
    }

    /** The {@code (V, V)} symmetric co-occurrence matrix of the corpus's trained units. */
    public static SparseMatrix count(UnitCorpus corpus, int window, Weighting weighting) {
        if (window < 1) {
            throw new IllegalArgumentException("window " + window + " must be at least 1");
        }
        int size = corpus.size();
        int[] stream = corpus.stream();
        PairCounts counts = new PairCounts();
        float[] weights = new float[window + 1];
        for (int k = 1; k <= window; k++) {
            weights[k] = (float) weighting.weight(k, window);
        }
        int start = 0;
        for (int end : corpus.documentEnds()) {
            for (int i = start; i < end; i++) {
                int a = stream[i];
                int last = Math.min(end - 1, i + window);
                for (int j = i + 1; j <= last; j++) {
                    int b = stream[j];
                    counts.add(Math.min(a, b), Math.max(a, b), weights[j - i]);
                }
            }
            start = end;
        }
        return counts.toMatrix(size);
    }

    /** Unordered pair counts: key {@code (a << 32) | b} with {@code a <= b}. */
    static final class PairCounts {
        private static final long EMPTY = -1L;
        private long[] keys = filled(1 << 16);
        private float[] values = new float[1 << 16];
        private int size;

        private static long[] filled(int n) {
            long[] k = new long[n];
            Arrays.fill(k, EMPTY);
            return k;
        }

        private static int slot(long key, int mask) {
            long h = key * 0x9E3779B97F4A7C15L;
            h ^= h >>> 29;
            return (int) h & mask;
        }

        void add(int a, int b, float w) {
            long key = ((long) a << 32) | b;
            int mask = keys.length - 1;
            int s = slot(key, mask);
            while (keys[s] != EMPTY && keys[s] != key) {
                s = (s + 1) & mask;
            }
            if (keys[s] == EMPTY) {
                keys[s] = key;
                if (++size > keys.length * 0.6) {
                    values[s] = w;
                    grow();
                    return;
                }
            }
            values[s] += w;
        }

        private void grow() {
            long[] oldKeys = keys;
            float[] oldValues = values;
            keys = filled(oldKeys.length * 2);
            values = new float[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != EMPTY) {
                    int s = slot(oldKeys[i], mask);
                    while (keys[s] != EMPTY) {
                        s = (s + 1) & mask;
                    }
                    keys[s] = oldKeys[i];
                    values[s] = oldValues[i];
                }
            }
        }

        /** Both directions of every pair (a pair of a unit with itself counts twice on the diagonal). */
        SparseMatrix toMatrix(int n) {
            int[] starts = new int[n + 1];
            for (long key : keys) {
                if (key != EMPTY) {
                    int a = (int) (key >>> 32);
                    int b = (int) key;
                    starts[a + 1]++;
                    if (a != b) {
                        starts[b + 1]++;
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                starts[i + 1] += starts[i];
            }
            long[] packed = new long[starts[n]]; // column << 32 | float bits, sorted per row below
            int[] next = Arrays.copyOf(starts, n);
            for (int s = 0; s < keys.length; s++) {
                long key = keys[s];
                if (key == EMPTY) {
                    continue;
                }
                int a = (int) (key >>> 32);
                int b = (int) key;
                float v = a == b ? 2 * values[s] : values[s];
                packed[next[a]++] = ((long) b << 32) | (Float.floatToRawIntBits(v) & 0xFFFFFFFFL);
                if (a != b) {
                    packed[next[b]++] = ((long) a << 32) | (Float.floatToRawIntBits(v) & 0xFFFFFFFFL);
                }
            }
            int[] columns = new int[packed.length];
            float[] vals = new float[packed.length];
            for (int i = 0; i < n; i++) {
                Arrays.sort(packed, starts[i], starts[i + 1]);
                for (int p = starts[i]; p < starts[i + 1]; p++) {
                    columns[p] = (int) (packed[p] >>> 32);
                    vals[p] = Float.intBitsToFloat((int) packed[p]);
                }
            }
            return new SparseMatrix(n, n, starts, columns, vals);
        }
    }
}
