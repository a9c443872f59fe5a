package dev.graft.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The normalizers SentencePiece-style {@code tokenizer.json} files use besides {@link Precompiled}:
 * {@code Replace} and {@code Prepend}, with the Hugging Face semantics and alignments.
 */
final class SentencePieceNormalizers {
    private SentencePieceNormalizers() {
    }

    /**
     * Replaces every match of a literal string or a regular expression by {@code content}, as the
     * reference's {@code NormalizedString::replace}: the matched characters are removed and the
     * replacement's characters all take the span of the last removed one. Regular expressions run
     * on {@link java.util.regex} (the reference uses Oniguruma; simple patterns such as
     * {@code " {2,}"} mean the same in both).
     *
     * @param regex true: {@code pattern} is a regular expression ({@code {"Regex": ...}}); false:
     *              a literal string ({@code {"String": ...}})
     */
    record Replace(String pattern, boolean regex, String content) implements Normalizers.Normalizer {
        Replace {
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("Replace normalizer: the pattern is empty; give a non-empty pattern");
            }
            if (regex) {
                Pattern.compile(pattern);
            }
        }

        @Override
        public NormalizedText normalize(NormalizedText text) {
            String s = text.text;
            Matcher m = regex ? Pattern.compile(pattern).matcher(s) : Pattern.compile(Pattern.quote(pattern)).matcher(s);
            if (!m.find()) {
                return text;
            }
            NormalizedText.Transform t = text.transform(0);
            int i = 0;
            do {
                if (m.start() == m.end()) {
                    continue;
                }
                while (i < m.start()) {
                    int cp = s.codePointAt(i);
                    t.emit(cp, 0);
                    i += Character.charCount(cp);
                }
                t.remove(s.codePointCount(m.start(), m.end()));
                for (int k = 0; k < content.length(); ) {
                    int cp = content.codePointAt(k);
                    t.emit(cp, 1);
                    k += Character.charCount(cp);
                }
                i = m.end();
            } while (m.find());
            while (i < s.length()) {
                int cp = s.codePointAt(i);
                t.emit(cp, 0);
                i += Character.charCount(cp);
            }
            return t.finish();
        }
    }

    /** Puts {@code prepend} in front of a non-empty text; its characters take the first character's span. */
    record Prepend(String prepend) implements Normalizers.Normalizer {
        @Override
        public NormalizedText normalize(NormalizedText text) {
            return SentencePieceNormalizers.prepend(text, prepend);
        }
    }

    /** The reference's {@code NormalizedString::prepend}. */
    static NormalizedText prepend(NormalizedText text, String prefix) {
        if (text.isEmpty() || prefix.isEmpty()) {
            return text;
        }
        NormalizedText.Transform t = text.transform(0);
        t.emitAll(prefix, 0, 1);
        t.emitAll(text.text, 1, 0);
        return t.finish();
    }
}
