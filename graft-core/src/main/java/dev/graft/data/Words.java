package dev.graft.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A text's whitespace-separated words and their UTF-16 [start, end) offsets: how raw text is split
 * into the words a tagger tags (the library's {@code Tagger} and the server's tag endpoint).
 */
public record Words(List<String> words, int[] starts, int[] ends) {
    /** Splits {@code text} at whitespace (any {@link Character#isWhitespace} code point). */
    public static Words of(String text) {
        List<String> w = new ArrayList<>();
        List<int[]> at = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (Character.isWhitespace(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(cp = text.codePointAt(i))) {
                i += Character.charCount(cp);
            }
            w.add(text.substring(start, i));
            at.add(new int[] {start, i});
        }
        int[] s = new int[at.size()];
        int[] e = new int[at.size()];
        for (int k = 0; k < s.length; k++) {
            s[k] = at.get(k)[0];
            e[k] = at.get(k)[1];
        }
        return new Words(List.copyOf(w), s, e);
    }

    /** How many words. */
    public int size() {
        return words.size();
    }
}
