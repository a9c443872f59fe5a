package dev.graft.vectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The word splitter used when no tokenizer is given: a word is a maximal run of letters and
 * digits (Unicode {@link Character#isLetterOrDigit}), with apostrophes and hyphens kept inside a
 * word ({@code don't}, {@code well-known}) but not at its ends; everything else (spaces,
 * punctuation, symbols) separates words. Words are lowercased ({@link Locale#ROOT}).
 * {@code "The cat's well-known -- 'toy'!"} gives {@code the, cat's, well-known, toy}.
 */
public final class WordSplitter {
    private WordSplitter() {
    }

    /** The lowercased words of {@code text}, in order. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i >= n) {
                break;
            }
            int start = i;
            int end = i;
            while (i < n) {
                int cp = text.codePointAt(i);
                if (Character.isLetterOrDigit(cp)) {
                    i += Character.charCount(cp);
                    end = i;
                } else if (isJoiner(cp) && i + 1 < n && Character.isLetterOrDigit(text.codePointAt(i + 1))) {
                    i++;
                } else {
                    break;
                }
            }
            out.add(text.substring(start, end).toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static boolean isJoiner(int cp) {
        return cp == '\'' || cp == '\u2019' || cp == '-';
    }
}
