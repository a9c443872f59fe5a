package dev.graft.baseline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TF-IDF features over word n-grams, with scikit-learn's {@code TfidfVectorizer} definitions
 * ({@code norm='l2', use_idf=True, smooth_idf=True, sublinear_tf=False}):
 * <ul>
 * <li>words: the lowercased text ({@link Locale#ROOT}) split into runs of letters and digits (combining
 * marks stay in their word) and single punctuation or symbol characters; whitespace separates;</li>
 * <li>terms: the word n-grams for n = 1..maxNgram, words joined by one space (a word never contains a
 * space, so a bigram cannot collide with a unigram);</li>
 * <li>vocabulary: the terms whose document frequency (training documents containing them) is at least
 * {@code minDf}, sorted by {@link String#compareTo}; feature j is the j-th;</li>
 * <li>idf(t) = ln((1 + n) / (1 + df(t))) + 1, n the number of training documents;</li>
 * <li>a document's row: raw term count times idf, then divided by its L2 norm (a document with no
 * known term is the zero row).</li>
 * </ul>
 * Reference: scikit-learn user guide, "Tf-idf term weighting" (section 6.2.3.4).
 */
final class TfIdf {
    private final Map<String, Integer> index;
    private final List<String> vocabulary;
    private final double[] idf; // (D)
    private final int maxNgram;

    /** A sparse row: feature indexes ascending, values aligned. */
    record Row(int[] indexes, double[] values) {
        int size() {
            return indexes.length;
        }
    }

    private TfIdf(List<String> vocabulary, double[] idf, int maxNgram) {
        this.vocabulary = List.copyOf(vocabulary);
        this.idf = idf;
        this.maxNgram = maxNgram;
        this.index = new HashMap<>();
        for (int j = 0; j < vocabulary.size(); j++) {
            index.put(vocabulary.get(j), j);
        }
    }

    /** Fits the vocabulary and idf on {@code texts}. */
    static TfIdf fit(List<String> texts, int maxNgram, int minDf) {
        if (maxNgram < 1) {
            throw new IllegalArgumentException("maxNgram must be >= 1, got " + maxNgram);
        }
        if (minDf < 1) {
            throw new IllegalArgumentException("minDf must be >= 1, got " + minDf);
        }
        Map<String, Integer> documentFrequency = new HashMap<>();
        for (String text : texts) {
            for (String term : new HashSet<>(terms(text, maxNgram))) {
                documentFrequency.merge(term, 1, Integer::sum);
            }
        }
        List<String> vocabulary = new ArrayList<>();
        for (Map.Entry<String, Integer> e : documentFrequency.entrySet()) {
            if (e.getValue() >= minDf) {
                vocabulary.add(e.getKey());
            }
        }
        vocabulary.sort(null);
        int n = texts.size();
        double[] idf = new double[vocabulary.size()];
        for (int j = 0; j < idf.length; j++) {
            idf[j] = Math.log((1.0 + n) / (1.0 + documentFrequency.get(vocabulary.get(j)))) + 1.0;
        }
        return new TfIdf(vocabulary, idf, maxNgram);
    }

    /** The number of features D. */
    int features() {
        return idf.length;
    }

    /** The feature names, index = feature. */
    List<String> vocabulary() {
        return vocabulary;
    }

    /** The idf of feature {@code j}. */
    double idf(int j) {
        return idf[j];
    }

    /** The L2-normalized TF-IDF row of one text (terms outside the vocabulary are ignored). */
    Row transform(String text) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (String term : terms(text, maxNgram)) {
            Integer j = index.get(term);
            if (j != null) {
                counts.merge(j, 1, Integer::sum);
            }
        }
        int[] indexes = new int[counts.size()];
        int k = 0;
        for (int j : counts.keySet()) {
            indexes[k++] = j;
        }
        Arrays.sort(indexes);
        double[] values = new double[indexes.length];
        double squares = 0;
        for (int i = 0; i < indexes.length; i++) {
            values[i] = counts.get(indexes[i]) * idf[indexes[i]];
            squares += values[i] * values[i];
        }
        if (squares > 0) {
            double norm = Math.sqrt(squares);
            for (int i = 0; i < values.length; i++) {
                values[i] /= norm;
            }
        }
        return new Row(indexes, values);
    }

    /** The rows of several texts. */
    Row[] transform(List<String> texts) {
        Row[] rows = new Row[texts.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = transform(texts.get(i));
        }
        return rows;
    }

    /** The word n-grams of a text, n = 1..maxNgram, in order of position then n (repeats kept). */
    static List<String> terms(String text, int maxNgram) {
        List<String> words = words(text);
        List<String> terms = new ArrayList<>(words.size() * maxNgram);
        for (int n = 1; n <= maxNgram; n++) {
            for (int i = 0; i + n <= words.size(); i++) {
                terms.add(n == 1 ? words.get(i) : String.join(" ", words.subList(i, i + n)));
            }
        }
        return terms;
    }

    /**
     * The words of a text: lowercased, runs of letters, digits and combining marks, and every other
     * character that is not whitespace or a control character as a word of its own.
     */
    static List<String> words(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> words = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < lower.length()) {
            int cp = lower.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isWordCharacter(cp) || (start >= 0 && isMark(cp))) {
                if (start < 0) {
                    start = i;
                }
            } else {
                if (start >= 0) {
                    words.add(lower.substring(start, i));
                    start = -1;
                }
                if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp) && !Character.isISOControl(cp)) {
                    words.add(lower.substring(i, next));
                }
            }
            i = next;
        }
        if (start >= 0) {
            words.add(lower.substring(start));
        }
        return words;
    }

    private static boolean isWordCharacter(int cp) {
        return Character.isLetterOrDigit(cp);
    }

    private static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }
}
