package dev.graft.vectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sentences "cX wN cY" where each planted pair (wNa, wNb) shares the same four context words and
 * its two members never meet; every context word also serves the next pair, so a pair word shares
 * half its contexts with the neighbouring pairs and all of them with its partner.
 */
final class PlantedCorpus {
    static final int PAIRS = 6;
    static final int CONTEXTS = 2 * PAIRS;

    private PlantedCorpus() {
    }

    static String member(int pair, int which) {
        return "w" + pair + (which == 0 ? "a" : "b");
    }

    static List<String> sentences(int n, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int pair = random.nextInt(PAIRS);
            String word = member(pair, random.nextInt(2));
            String left = context(pair, random.nextInt(4));
            String right = context(pair, random.nextInt(4));
            out.add(left + " " + word + " " + right);
        }
        return out;
    }

    private static String context(int pair, int which) {
        return "c" + ((2 * pair + which) % CONTEXTS);
    }
}
