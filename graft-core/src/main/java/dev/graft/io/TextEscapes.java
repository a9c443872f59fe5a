package dev.graft.io;

import java.util.function.IntFunction;

/**
 * Text escaped for a format that reserves some characters (XML in the charts, the label values of the
 * Prometheus text format): the one loop, the format's table given by the caller.
 */
public final class TextEscapes {
    private TextEscapes() {
    }

    /**
     * {@code s} with every character for which {@code replacement} returns a string replaced by that string;
     * a character it maps to null is kept as it is.
     */
    public static String escape(String s, IntFunction<String> replacement) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = replacement.apply(c);
            if (r != null) {
                b.append(r);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
