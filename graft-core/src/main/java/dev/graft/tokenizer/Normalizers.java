package dev.graft.tokenizer;

import java.util.List;

/**
 * The normalizers graft reads and writes in {@code tokenizer.json} (the Hugging Face types of the
 * same names and options). Each maps a {@link NormalizedText} to a new one with alignments.
 */
final class Normalizers {
    private Normalizers() {
    }

    /** A normalizer step. */
    sealed interface Normalizer permits Bert, Lowercase, Unicode, StripAccents, Sequence, Precompiled,
            SentencePieceNormalizers.Replace, SentencePieceNormalizers.Prepend {
        NormalizedText normalize(NormalizedText text);
    }

    /**
     * BERT's normalizer (Devlin et al. 2019; google-research/bert {@code tokenization.py}): drop
     * control characters and map whitespace to a space; put spaces around CJK ideographs; strip
     * accents (NFD, then drop Mn); lowercase.
     *
     * @param stripAccents null means "as {@code lowercase}" (the reference's default)
     */
    record Bert(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase)
            implements Normalizer {
        @Override
        public NormalizedText normalize(NormalizedText text) {
            NormalizedText t = text;
            if (cleanText) {
                t = t.filter(cp -> !(cp == 0 || cp == 0xFFFD || CharClasses.isBertControl(cp)));
                t = t.map(cp -> CharClasses.isBertWhitespace(cp) ? ' ' : cp);
            }
            if (handleChineseChars) {
                t = spaceAroundChinese(t);
            }
            if (stripAccents == null ? lowercase : stripAccents) {
                t = UnicodeForms.apply(t, UnicodeForms.Form.NFD).filter(cp -> !CharClasses.isNonspacingMark(cp));
            }
            if (lowercase) {
                t = Lowercase.lower(t);
            }
            return t;
        }

        private static NormalizedText spaceAroundChinese(NormalizedText t) {
            String s = t.text;
            boolean any = false;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                if (CharClasses.isChineseChar(cp)) {
                    any = true;
                    break;
                }
                i += Character.charCount(cp);
            }
            if (!any) {
                return t;
            }
            NormalizedText.Transform out = t.transform(0);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                if (CharClasses.isChineseChar(cp)) {
                    out.emit(' ', 1);
                    out.emit(cp, 0);
                    out.emit(' ', 1);
                } else {
                    out.emit(cp, 0);
                }
                i += Character.charCount(cp);
            }
            return out.finish();
        }
    }

    /** Lowercase, character by character (Unicode full lowercase mapping without context). */
    record Lowercase() implements Normalizer {
        @Override
        public NormalizedText normalize(NormalizedText text) {
            return lower(text);
        }

        static NormalizedText lower(NormalizedText t) {
            if (t.text.indexOf('\u0130') < 0) {
                return t.map(CharClasses::toLowerCase);
            }
            NormalizedText.Transform out = t.transform(0);
            String s = t.text;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int lower = CharClasses.toLowerCase(cp);
                if (lower < 0) {
                    out.emit('i', 0);
                    out.emit(0x307, 1);
                } else {
                    out.emit(lower, 0);
                }
                i += Character.charCount(cp);
            }
            return out.finish();
        }
    }

    /** One of NFC, NFD, NFKC, NFKD. */
    record Unicode(UnicodeForms.Form form) implements Normalizer {
        @Override
        public NormalizedText normalize(NormalizedText text) {
            return UnicodeForms.apply(text, form);
        }
    }

    /** Drops combining marks (general category M*); usually after NFD or NFKD. */
    record StripAccents() implements Normalizer {
        @Override
        public NormalizedText normalize(NormalizedText text) {
            return text.filter(cp -> !CharClasses.isMark(cp));
        }
    }

    /** Normalizers applied in order. */
    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        Sequence {
            normalizers = List.copyOf(normalizers);
        }

        @Override
        public NormalizedText normalize(NormalizedText text) {
            NormalizedText t = text;
            for (Normalizer n : normalizers) {
                t = n.normalize(t);
            }
            return t;
        }
    }
}
