package dev.graft.tokenizer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A token model's splits of words, each word split once and kept (up to a capacity, as the
 * reference's cache). Thread-safe.
 */
final class WordCache {
    private static final int CAPACITY = 200_000;
    /** Longer words are not cached (as the reference's cache), so one huge word cannot hold memory. */
    private static final int MAX_WORD = 256;

    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
    private final Function<String, int[]> split;

    WordCache(Function<String, int[]> split) {
        this.split = split;
    }

    /** The split of {@code word}, from the cache or made now. */
    int[] get(String word) {
        int[] pieces = cache.get(word);
        if (pieces == null) {
            pieces = split.apply(word);
            if (word.length() < MAX_WORD && cache.size() < CAPACITY) {
                cache.put(word, pieces);
            }
        }
        return pieces;
    }
}
