package dev.graft.tokenizer;

import dev.graft.SpecException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns a Unigram vocabulary from word counts, as SentencePiece's and the Hugging Face
 * {@code UnigramTrainer} do (Kudo 2018):
 *
 * <ol>
 *   <li>seed: every character, with its frequency, then the most frequent substrings of 2 to 16
 *       characters ranked by frequency times length, up to {@code seedSize} pieces; scores are
 *       log relative frequencies. Substrings are counted directly in the distinct words (each
 *       occurrence weighted by the word's count) instead of through a suffix array; when more than
 *       {@link #MAX_SUBSTRINGS} distinct substrings have been seen, those seen once are dropped,
 *       so on huge corpora very rare substrings can be missing from the seed (they would not
 *       survive pruning anyway);</li>
 *   <li>EM: the E step runs forward-backward on each word's lattice and adds the expected count
 *       of every piece (weighted by the word's count); the M step drops pieces expected fewer than
 *       0.5 times and sets each score to {@code digamma(count) - digamma(total)} (the reference's
 *       Bayesian EM, a sparse prior); two EM rounds per pruning step;</li>
 *   <li>pruning: for each piece, the loss in corpus likelihood if its Viterbi occurrences were
 *       segmented by its second-best segmentation instead; the pieces with the least loss go, down
 *       to 75% of the vocabulary or 110% of the target, whichever is larger; pieces with no
 *       alternative segmentation (single characters) are always kept;</li>
 *   <li>final: all kept characters (the most frequent {@code limitAlphabet}, or all), then the
 *       highest-scoring pieces until the vocabulary has exactly the requested size, sorted by
 *       score; characters EM dropped get the lowest score plus 0.0001 per character. If EM kept
 *       fewer pieces than asked for (a small corpus), seed pieces it dropped fill the vocabulary, in
 *       seed order, scored below every learned piece; only a corpus with fewer distinct substrings
 *       (seen at least twice) than the size asked for gives a smaller vocabulary.</li>
 * </ol>
 *
 * Unknown characters are scored as in segmentation (lowest score minus 10). Everything iterates in
 * a fixed order (sorted words, sorted ties), so the result is the same on every run.
 */
final class UnigramTraining {
    private UnigramTraining() {
    }

    static final int MAX_PIECE_LENGTH = 16;
    static final int SEED_SIZE = 1_000_000;
    static final int SUB_ITERATIONS = 2;
    static final double SHRINKING_FACTOR = 0.75;
    static final int MAX_SUBSTRINGS = 8_000_000;

    /** The learned pieces (no special tokens), best score first, and the alphabet kept. */
    record Learned(List<UnigramModel.Piece> pieces, int alphabetSize) {
    }

    /**
     * @param words         distinct words (sorted), as the pre-tokenizer gives them
     * @param counts        occurrences of each word
     * @param size          pieces wanted (special tokens not included)
     * @param limitAlphabet keep only the most frequent characters (0: all)
     */
    static Learned learn(String[] words, long[] counts, int size, int limitAlphabet, Set<String> exclude) {
        // characters, most frequent first
        Map<Integer, Long> charCounts = BpeTraining.characterCounts(words, counts);
        List<Map.Entry<Integer, Long>> chars = new ArrayList<>(charCounts.entrySet());
        chars.sort(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        if (limitAlphabet > 0 && chars.size() > limitAlphabet) {
            chars = new ArrayList<>(chars.subList(0, limitAlphabet));
        }
        if (size < chars.size()) {
            throw new SpecException(List.of("vocabularySize", "limitAlphabet"), "vocabulary of " + size + " pieces "
                    + "(special tokens not counted) is smaller than the alphabet of " + chars.size() + " characters; "
                    + "use a vocabularySize of at least " + chars.size() + " plus the special tokens, or limitAlphabet");
        }
        Set<String> alphabet = new HashSet<>();
        List<String> pieces = new ArrayList<>();
        List<Double> seedScores = new ArrayList<>();
        pieces.add("<UNK>"); // id 0 during training: the unknown piece
        seedScores.add(Double.NaN);
        for (Map.Entry<Integer, Long> e : chars) {
            String c = new String(Character.toChars(e.getKey()));
            alphabet.add(c);
            pieces.add(c);
            seedScores.add((double) e.getValue());
        }
        seed(words, counts, alphabet, exclude, pieces, seedScores);
        double sum = 0;
        for (int i = 1; i < seedScores.size(); i++) {
            sum += seedScores.get(i);
        }
        double logSum = Math.log(sum);
        double[] scores = new double[pieces.size()];
        scores[0] = Double.NaN;
        for (int i = 1; i < scores.length; i++) {
            scores[i] = Math.log(seedScores.get(i)) - logSum;
        }
        String[] p = pieces.toArray(String[]::new);
        String[] seedOrder = p.clone();
        int desired = size * 11 / 10;
        while (true) {
            for (int iteration = 0; iteration < SUB_ITERATIONS; iteration++) {
                double[] expected = eStep(new Lattices(p, scores), words, counts);
                List<Integer> keep = new ArrayList<>();
                double total = 0;
                for (int id = 1; id < p.length; id++) {
                    if (expected[id] >= 0.5) {
                        keep.add(id);
                        total += expected[id];
                    }
                }
                String[] np = new String[keep.size() + 1];
                double[] ns = new double[keep.size() + 1];
                np[0] = p[0];
                ns[0] = Double.NaN;
                double logTotal = digamma(total);
                for (int k = 0; k < keep.size(); k++) {
                    np[k + 1] = p[keep.get(k)];
                    ns[k + 1] = digamma(expected[keep.get(k)]) - logTotal;
                }
                p = np;
                scores = ns;
            }
            if (p.length - 1 <= desired) {
                break;
            }
            int before = p.length;
            int[] kept = prune(new Lattices(p, scores), words, counts, desired);
            String[] np = new String[kept.length];
            double[] ns = new double[kept.length];
            for (int k = 0; k < kept.length; k++) {
                np[k] = p[kept[k]];
                ns[k] = scores[kept[k]];
            }
            p = np;
            scores = ns;
            if (p.length == before) {
                break; // nothing left to prune
            }
        }
        return new Learned(finish(p, scores, chars, size, seedOrder), chars.size());
    }

    /** Adds the most frequent substrings (score: frequency times length) to the seed. */
    private static void seed(String[] words, long[] counts, Set<String> alphabet, Set<String> exclude,
            List<String> pieces, List<Double> scores) {
        HashMap<String, long[]> substrings = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String s = words[w];
            for (int i = 0; i < s.length(); ) {
                int end = i;
                int chars = 0;
                while (end < s.length() && chars < MAX_PIECE_LENGTH) {
                    int cp = s.codePointAt(end);
                    if (!alphabet.contains(new String(Character.toChars(cp)))) {
                        break; // pieces hold kept characters only
                    }
                    end += Character.charCount(cp);
                    chars++;
                    if (chars >= 2) {
                        substrings.computeIfAbsent(s.substring(i, end), k -> new long[1])[0] += counts[w];
                    }
                }
                i += Character.charCount(s.codePointAt(i));
            }
            if (substrings.size() > MAX_SUBSTRINGS) {
                substrings.values().removeIf(c -> c[0] <= 1);
            }
        }
        List<Map.Entry<String, long[]>> ranked = new ArrayList<>(substrings.entrySet());
        ranked.removeIf(e -> e.getValue()[0] < 2 // a substring seen once is never worth a piece
                || exclude.contains(e.getKey())); // special tokens are added as they are, never learned
        Comparator<Map.Entry<String, long[]>> byScore = Comparator.comparingLong(
                e -> -e.getValue()[0] * e.getKey().codePointCount(0, e.getKey().length()));
        ranked.sort(byScore.thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, long[]> e : ranked) {
            if (pieces.size() - 1 >= SEED_SIZE) {
                break;
            }
            pieces.add(e.getKey());
            scores.add((double) e.getValue()[0] * e.getKey().codePointCount(0, e.getKey().length()));
        }
    }

    /** The current pieces as a trie, for building word lattices (id 0, the unknown piece, is not in it). */
    private static final class Lattices {
        final String[] pieces;
        final double[] scores;
        final UnigramModel.Trie trie;
        final double unknownScore;

        Lattices(String[] pieces, double[] scores) {
            this.pieces = pieces;
            this.scores = scores;
            UnigramModel.Trie.Builder b = new UnigramModel.Trie.Builder();
            double min = Double.POSITIVE_INFINITY;
            for (int id = 1; id < pieces.length; id++) {
                b.add(pieces[id]);
                min = Math.min(min, scores[id]);
            }
            for (int id = 1; id < pieces.length; id++) {
                b.setValue(pieces[id], id);
            }
            this.trie = b.build();
            this.unknownScore = min - UnigramModel.UNKNOWN_PENALTY;
        }

        /** The lattice of {@code s}: nodes as {start, end, id} (id 0: unknown), in order of start. */
        int[] nodes(String s, int excludedWholeId) {
            int[] out = new int[3 * 4 * s.length() + 3];
            int size = 0;
            int[] found = new int[32];
            for (int start = 0; start < s.length(); ) {
                int charLength = Character.charCount(s.codePointAt(start));
                int count = trie.prefixes(s, start, found);
                if (count > found.length) {
                    found = new int[count * 2];
                    count = trie.prefixes(s, start, found);
                }
                boolean single = false;
                for (int k = 0; k < count; k += 2) {
                    int end = found[k];
                    int id = found[k + 1];
                    if (end - start == charLength) {
                        single = true;
                    }
                    if (id == excludedWholeId && start == 0 && end == s.length()) {
                        continue;
                    }
                    if (size + 3 > out.length) {
                        out = Arrays.copyOf(out, out.length * 2);
                    }
                    out[size++] = start;
                    out[size++] = end;
                    out[size++] = id;
                }
                if (!single) {
                    if (size + 3 > out.length) {
                        out = Arrays.copyOf(out, out.length * 2);
                    }
                    out[size++] = start;
                    out[size++] = start + charLength;
                    out[size++] = 0;
                }
                start += charLength;
            }
            return Arrays.copyOf(out, size);
        }

        double score(int id) {
            return id == 0 ? unknownScore : scores[id];
        }

        /** Viterbi path as ids (empty if there is none), ties as in segmentation. */
        int[] viterbi(String s, int[] nodes) {
            int n = s.length();
            double[] best = new double[n + 1];
            int[] from = new int[n + 1];
            int[] via = new int[n + 1];
            Arrays.fill(from, -1);
            from[0] = 0;
            for (int k = 0; k < nodes.length; k += 3) {
                int start = nodes[k];
                int end = nodes[k + 1];
                if (start > 0 && from[start] < 0) {
                    continue;
                }
                double candidate = score(nodes[k + 2]) + best[start];
                if (from[end] < 0 || (end != 0 && candidate > best[end])) {
                    best[end] = candidate;
                    from[end] = start;
                    via[end] = nodes[k + 2];
                }
            }
            if (from[n] < 0) {
                return new int[0];
            }
            int[] rev = new int[n];
            int m = 0;
            for (int end = n; end > 0; end = from[end]) {
                rev[m++] = via[end];
            }
            int[] out = new int[m];
            for (int i = 0; i < m; i++) {
                out[i] = rev[m - 1 - i];
            }
            return out;
        }
    }

    /** Expected piece counts over the corpus (forward-backward on each word's lattice). */
    private static double[] eStep(Lattices l, String[] words, long[] counts) {
        double[] expected = new double[l.pieces.length];
        for (int w = 0; w < words.length; w++) {
            String s = words[w];
            int n = s.length();
            int[] nodes = l.nodes(s, -1);
            double[] alpha = new double[n + 1];
            double[] beta = new double[n + 1];
            Arrays.fill(alpha, Double.NEGATIVE_INFINITY);
            Arrays.fill(beta, Double.NEGATIVE_INFINITY);
            alpha[0] = 0;
            for (int k = 0; k < nodes.length; k += 3) { // nodes are in order of start
                alpha[nodes[k + 1]] = logSumExp(alpha[nodes[k + 1]], alpha[nodes[k]] + l.score(nodes[k + 2]));
            }
            beta[n] = 0;
            for (int k = nodes.length - 3; k >= 0; k -= 3) {
                beta[nodes[k]] = logSumExp(beta[nodes[k]], l.score(nodes[k + 2]) + beta[nodes[k + 1]]);
            }
            double z = alpha[n];
            for (int k = 0; k < nodes.length; k += 3) {
                double total = alpha[nodes[k]] + l.score(nodes[k + 2]) + beta[nodes[k + 1]] - z;
                expected[nodes[k + 2]] += counts[w] * Math.exp(total);
            }
        }
        return expected;
    }

    private static double logSumExp(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        double max = Math.max(a, b);
        return max + Math.log1p(Math.exp(Math.min(a, b) - max));
    }

    /** The reference's digamma approximation. */
    static double digamma(double x) {
        double result = 0;
        while (x < 7) {
            result -= 1 / x;
            x += 1;
        }
        x -= 0.5;
        double xx = 1 / x;
        double xx2 = xx * xx;
        double xx4 = xx2 * xx2;
        return result + Math.log(x) + xx2 / 24 - 7.0 / 960 * xx4 + 31.0 / 8064 * xx4 * xx2 - 127.0 / 30720 * xx4 * xx4;
    }

    /** Indices of the pieces kept (0 first), after removing those whose loss is smallest. */
    private static int[] prune(Lattices l, String[] words, long[] counts, int desired) {
        int n = l.pieces.length;
        boolean[] alwaysKeep = new boolean[n];
        int[][] alternatives = new int[n][];
        for (int id = 1; id < n; id++) {
            String piece = l.pieces[id];
            int[] best = l.viterbi(piece, l.nodes(piece, -1));
            if (best.length >= 2) {
                alwaysKeep[id] = false; // the piece is not even its own best segmentation
                alternatives[id] = new int[0];
                continue;
            }
            int[] second = l.viterbi(piece, l.nodes(piece, id));
            alwaysKeep[id] = true;
            alternatives[id] = second; // empty: no other segmentation
        }
        double[] freq = new double[n];
        List<List<Integer>> inverted = new ArrayList<>(n);
        for (int id = 0; id < n; id++) {
            inverted.add(new ArrayList<>());
        }
        double vsum = 0;
        for (int w = 0; w < words.length; w++) {
            vsum += counts[w];
            for (int id : l.viterbi(words[w], l.nodes(words[w], -1))) {
                freq[id] += counts[w];
                inverted.get(id).add(w);
            }
        }
        double sum = 0;
        for (double f : freq) {
            sum += f;
        }
        double logSum = Math.log(sum);
        List<Integer> kept = new ArrayList<>();
        kept.add(0);
        List<double[]> candidates = new ArrayList<>(); // {id, loss}
        for (int id = 1; id < n; id++) {
            if (freq[id] == 0 && !alwaysKeep[id]) {
                continue; // never on a Viterbi path: safe to remove
            }
            if (alternatives[id].length == 0) {
                kept.add(id); // no alternative segmentation: keep
                continue;
            }
            double f = 0;
            for (int w : inverted.get(id)) {
                f += counts[w];
            }
            if (f == 0) {
                continue;
            }
            f /= vsum;
            double logProbPiece = Math.log(freq[id]) - logSum;
            double logSumAlt = Math.log(sum + freq[id] * (alternatives[id].length - 1));
            double logProbAlt = 0;
            for (int alt : alternatives[id]) {
                logProbAlt += Math.log(freq[alt] + freq[id]) - logSumAlt;
            }
            candidates.add(new double[] {id, f * (logProbPiece - logProbAlt)});
        }
        int prunedSize = Math.max(desired, (int) (n * SHRINKING_FACTOR));
        candidates.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
        for (double[] c : candidates) {
            if (kept.size() >= prunedSize) {
                break;
            }
            kept.add((int) c[0]);
        }
        kept.sort(null);
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Kept characters first, then the best pieces to exactly {@code size}; sorted by score. */
    private static List<UnigramModel.Piece> finish(String[] p, double[] scores, List<Map.Entry<Integer, Long>> chars,
            int size, String[] seedOrder) {
        Map<String, Double> current = new HashMap<>();
        double min = Double.POSITIVE_INFINITY;
        for (int id = 1; id < p.length; id++) {
            current.put(p[id], scores[id]);
            min = Math.min(min, scores[id]);
        }
        List<UnigramModel.Piece> out = new ArrayList<>();
        Set<String> inserted = new HashSet<>();
        double penalty = 0;
        for (Map.Entry<Integer, Long> e : chars) {
            String c = new String(Character.toChars(e.getKey()));
            Double s = current.get(c);
            if (s == null) {
                s = min + penalty;
                penalty += 0.0001;
            }
            out.add(new UnigramModel.Piece(c, s));
            inserted.add(c);
        }
        Integer[] order = new Integer[p.length - 1];
        for (int i = 0; i < order.length; i++) {
            order[i] = i + 1;
        }
        double[] sc = scores;
        Arrays.sort(order, (a, b) -> sc[a] != sc[b] ? Double.compare(sc[b], sc[a]) : p[a].compareTo(p[b]));
        for (int id : order) {
            if (out.size() >= size) {
                break;
            }
            if (inserted.add(p[id])) {
                out.add(new UnigramModel.Piece(p[id], scores[id]));
            }
        }
        // EM kept fewer pieces than asked for (a small corpus): the best-ranked seed pieces EM dropped
        // fill the vocabulary, scored below every learned piece so that they rarely win a segmentation
        double fill = min - 1;
        for (String piece : seedOrder) {
            if (out.size() >= size) {
                break;
            }
            if (!piece.equals("<UNK>") && inserted.add(piece)) {
                out.add(new UnigramModel.Piece(piece, fill));
                fill -= 0.0001;
            }
        }
        out.sort(Comparator.comparingDouble(UnigramModel.Piece::score).reversed()
                .thenComparing(UnigramModel.Piece::piece));
        return out;
    }
}
