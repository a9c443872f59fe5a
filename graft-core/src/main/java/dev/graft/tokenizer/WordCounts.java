package dev.graft.tokenizer;

import java.util.Arrays;

/**
 * Word occurrence counts: an open-addressing hash map from string to count that counts a range
 * of a longer string without copying it (a word's string is made once, when first seen).
 */
final class WordCounts {
    private String[] keys;
    private int[] hashes;
    private long[] counts;
    private int mask;
    private int size;

    WordCounts() {
        this(1 << 14);
    }

    WordCounts(int capacity) {
        int c = Integer.highestOneBit(Math.max(16, capacity) - 1) << 1;
        keys = new String[c];
        hashes = new int[c];
        counts = new long[c];
        mask = c - 1;
    }

    int size() {
        return size;
    }

    private static int hash(CharSequence s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    /** Adds {@code n} occurrences of {@code s.substring(start, end)}. */
    void add(String s, int start, int end, long n) {
        int h = hash(s, start, end);
        int i = h & mask;
        int len = end - start;
        while (true) {
            String k = keys[i];
            if (k == null) {
                keys[i] = s.substring(start, end);
                hashes[i] = h;
                counts[i] = n;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return;
            }
            if (hashes[i] == h && k.length() == len && k.regionMatches(0, s, start, len)) {
                counts[i] += n;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    void addAll(WordCounts other) {
        for (int i = 0; i < other.keys.length; i++) {
            if (other.keys[i] != null) {
                add(other.keys[i], 0, other.keys[i].length(), other.counts[i]);
            }
        }
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        long[] oldCounts = counts;
        keys = new String[oldKeys.length * 2];
        hashes = new int[keys.length];
        counts = new long[keys.length];
        mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                hashes[i] = oldHashes[j];
                counts[i] = oldCounts[j];
            }
        }
    }

    /** The words in string order, with their counts. */
    Sorted sorted() {
        String[] words = new String[size];
        int k = 0;
        for (String key : keys) {
            if (key != null) {
                words[k++] = key;
            }
        }
        Arrays.sort(words);
        long[] c = new long[size];
        for (int j = 0; j < size; j++) {
            c[j] = get(words[j]);
        }
        return new Sorted(words, c);
    }

    long get(String word) {
        int h = hash(word, 0, word.length());
        int i = h & mask;
        while (keys[i] != null) {
            if (hashes[i] == h && keys[i].equals(word)) {
                return counts[i];
            }
            i = (i + 1) & mask;
        }
        return 0;
    }

    /** Distinct words in sorted order and their counts. */
    record Sorted(String[] words, long[] counts) {
    }
}
