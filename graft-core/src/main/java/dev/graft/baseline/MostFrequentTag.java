package dev.graft.baseline;

import dev.graft.data.TaggingExample;
import dev.graft.eval.TaggingMetrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The most-frequent-tag baseline for token tagging. A word gets the tag it carries most often in the
 * training data, looked up by its exact form, then by its lowercased form ({@link Locale#ROOT}); a word
 * seen in neither form is unknown:
 * <ul>
 * <li>{@link UnknownWords#MOST_FREQUENT_TAG}: it gets the most frequent tag of all training tokens;</li>
 * <li>{@link UnknownWords#SUFFIX_AND_SHAPE} (the default): it gets the most frequent tag among rare
 * training words (seen once, which behave like unknown words) of the same shape (digits, capitalized,
 * lowercase, punctuation, mixed; hyphenated or not) and the longest shared lowercased suffix of up to
 * {@value #LONGEST_SUFFIX} characters with at least {@value #MIN_EVIDENCE} such tokens behind it, backing
 * off to shorter suffixes, to the shape alone, then to the most frequent tag (the idea of Brants, "TnT",
 * ANLP 2000, Section 2.3, reduced to a lookup).</li>
 * </ul>
 * Ties between tags go to the tag more frequent overall, then to the alphabetically first.
 *
 * @param byForm           the tag of each training word form
 * @param byLowercase      the tag of each lowercased training word
 * @param byShapeAndSuffix the tag of each shape/suffix key of rare training words
 * @param defaultTag       the most frequent training tag (what an unknown word gets without the suffix/shape model)
 * @param tags             the tags seen in training, sorted
 * @param unknownWords     how unknown words are tagged
 */
public record MostFrequentTag(Map<String, String> byForm, Map<String, String> byLowercase,
                              Map<String, String> byShapeAndSuffix, String defaultTag, List<String> tags,
                              UnknownWords unknownWords) {
    /** Longest word suffix used for unknown words. */
    public static final int LONGEST_SUFFIX = 3;
    /** Rare training tokens a shape/suffix key needs before it is trusted. */
    public static final int MIN_EVIDENCE = 2;
    /** Training words seen at most this many times feed the unknown-word model. */
    private static final int RARE_COUNT = 1;

    /** What an unknown word gets. */
    public enum UnknownWords {
        /** The most frequent tag overall. */
        MOST_FREQUENT_TAG,
        /** The most frequent tag of rare training words with the same shape and suffix. */
        SUFFIX_AND_SHAPE
    }

    public MostFrequentTag {
        byForm = Map.copyOf(byForm);
        byLowercase = Map.copyOf(byLowercase);
        byShapeAndSuffix = Map.copyOf(byShapeAndSuffix);
        tags = List.copyOf(tags);
    }

    /** Trains with the default handling of unknown words ({@link UnknownWords#SUFFIX_AND_SHAPE}). */
    public static MostFrequentTag train(List<TaggingExample> train) {
        return train(train, UnknownWords.SUFFIX_AND_SHAPE);
    }

    /**
     * Counts the training tags.
     *
     * @throws IllegalArgumentException when the training set has no tokens
     */
    public static MostFrequentTag train(List<TaggingExample> train, UnknownWords unknownWords) {
        Map<String, Map<String, Integer>> form = new HashMap<>();
        Map<String, Map<String, Integer>> lower = new HashMap<>();
        Map<String, Integer> overall = new TreeMap<>();
        Map<String, Integer> formCount = new HashMap<>();
        for (TaggingExample e : train) {
            for (int i = 0; i < e.size(); i++) {
                String word = e.tokens().get(i);
                String tag = e.tags().get(i);
                form.computeIfAbsent(word, w -> new HashMap<>()).merge(tag, 1, Integer::sum);
                lower.computeIfAbsent(word.toLowerCase(Locale.ROOT), w -> new HashMap<>()).merge(tag, 1, Integer::sum);
                overall.merge(tag, 1, Integer::sum);
                formCount.merge(word, 1, Integer::sum);
            }
        }
        if (overall.isEmpty()) {
            throw new IllegalArgumentException("the training set has no tagged tokens (" + train.size()
                    + " sentences): the most-frequent-tag baseline needs tagged words");
        }
        Map<String, Map<String, Integer>> rare = new HashMap<>();
        for (TaggingExample e : train) {
            for (int i = 0; i < e.size(); i++) {
                String word = e.tokens().get(i);
                if (formCount.get(word) <= RARE_COUNT) {
                    for (String key : keys(word)) {
                        rare.computeIfAbsent(key, k -> new HashMap<>()).merge(e.tags().get(i), 1, Integer::sum);
                    }
                }
            }
        }
        Map<String, String> shapeAndSuffix = new HashMap<>();
        for (Map.Entry<String, Map<String, Integer>> entry : rare.entrySet()) {
            int evidence = 0;
            for (int n : entry.getValue().values()) {
                evidence += n;
            }
            if (evidence >= MIN_EVIDENCE) {
                shapeAndSuffix.put(entry.getKey(), best(entry.getValue(), overall));
            }
        }
        return new MostFrequentTag(decide(form, overall), decide(lower, overall), shapeAndSuffix,
                best(overall, overall), List.copyOf(overall.keySet()), unknownWords);
    }

    private static Map<String, String> decide(Map<String, Map<String, Integer>> counts, Map<String, Integer> overall) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, Map<String, Integer>> e : counts.entrySet()) {
            out.put(e.getKey(), best(e.getValue(), overall));
        }
        return out;
    }

    /** The tag with the highest count; ties to the tag more frequent overall, then the alphabetically first. */
    private static String best(Map<String, Integer> counts, Map<String, Integer> overall) {
        String best = null;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String tag = e.getKey();
            if (best == null) {
                best = tag;
                continue;
            }
            int c = Integer.compare(e.getValue(), counts.get(best));
            if (c == 0) {
                c = Integer.compare(overall.get(tag), overall.get(best));
            }
            if (c > 0 || (c == 0 && tag.compareTo(best) < 0)) {
                best = tag;
            }
        }
        return best;
    }

    /** The unknown-word keys of a word, most specific first: shape with suffixes of 3, 2, 1 characters, shape. */
    private static List<String> keys(String word) {
        String shape = shape(word);
        String lower = word.toLowerCase(Locale.ROOT);
        List<String> keys = new ArrayList<>(LONGEST_SUFFIX + 1);
        for (int n = LONGEST_SUFFIX; n >= 1; n--) {
            if (lower.codePointCount(0, lower.length()) >= n) {
                int start = lower.offsetByCodePoints(lower.length(), -n);
                keys.add(shape + "|" + lower.substring(start));
            }
        }
        keys.add(shape);
        return keys;
    }

    /** digits / alnum (digits and letters) / upper (capitalized) / lower / punct (neither), "-" when hyphenated. */
    static String shape(String word) {
        boolean letter = false;
        boolean digit = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            letter |= Character.isLetter(cp);
            digit |= Character.isDigit(cp);
            i += Character.charCount(cp);
        }
        String shape;
        if (digit) {
            shape = letter ? "alnum" : "digits";
        } else if (letter) {
            shape = Character.isUpperCase(word.codePointAt(0)) || Character.isTitleCase(word.codePointAt(0))
                    ? "upper" : "lower";
        } else {
            shape = "punct";
        }
        return word.indexOf('-') >= 0 && word.length() > 1 ? shape + "-" : shape;
    }

    /** The tag of one word. */
    public String tag(String word) {
        String t = byForm.get(word);
        if (t == null) {
            t = byLowercase.get(word.toLowerCase(Locale.ROOT));
        }
        if (t != null) {
            return t;
        }
        if (unknownWords == UnknownWords.SUFFIX_AND_SHAPE) {
            for (String key : keys(word)) {
                t = byShapeAndSuffix.get(key);
                if (t != null) {
                    return t;
                }
            }
        }
        return defaultTag;
    }

    /** One tag per token. */
    public List<String> predict(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (String token : tokens) {
            out.add(tag(token));
        }
        return out;
    }

    /**
     * Token accuracy and per-tag scores on tagged sentences.
     *
     * @param tagSet every tag that may occur in the gold data or the predictions (the training tags)
     */
    public TaggingMetrics evaluate(List<TaggingExample> test, List<String> tagSet) {
        List<List<String>> gold = new ArrayList<>(test.size());
        List<List<String>> predicted = new ArrayList<>(test.size());
        for (TaggingExample e : test) {
            gold.add(e.tags());
            predicted.add(predict(e.tokens()));
        }
        return TaggingMetrics.compute(gold, predicted, tagSet);
    }
}
