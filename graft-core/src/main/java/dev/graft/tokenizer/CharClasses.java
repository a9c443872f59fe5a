package dev.graft.tokenizer;

/**
 * Character classes exactly as the Hugging Face tokenizers library (Rust) defines them, so that
 * normalizers and pre-tokenizers split where it splits. All methods take Unicode code points.
 *
 * <p>References: Rust {@code char::is_whitespace} (the Unicode White_Space property), the BERT
 * normalizer and pre-tokenizer of huggingface/tokenizers ({@code normalizers/bert.rs},
 * {@code pre_tokenizers/bert.rs}), Rust regex {@code \w} (UTS #18 Annex C).
 */
final class CharClasses {
    private CharClasses() {
    }

    /** The Unicode White_Space property (Rust {@code char::is_whitespace}, Oniguruma {@code \s}). */
    static boolean isWhitespace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** BERT's whitespace: tab, newline, carriage return, or White_Space. */
    static boolean isBertWhitespace(int cp) {
        return cp == '\t' || cp == '\n' || cp == '\r' || isWhitespace(cp);
    }

    /**
     * BERT's control characters: general category Cc, Cf, Co or Cs, except tab, newline and
     * carriage return. (Unassigned code points, Cn, are kept: measured against the reference.)
     */
    static boolean isBertControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    /** BERT's "Chinese character": the CJK Unified Ideographs blocks and their extensions. */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** BERT's punctuation: any ASCII punctuation or symbol, or Unicode general category P*. */
    static boolean isBertPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96)
                    || (cp >= 123 && cp <= 126);
        }
        return isPunctuation(cp);
    }

    /** Unicode general category P* (Pc, Pd, Ps, Pe, Pi, Pf, Po). */
    static boolean isPunctuation(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** Unicode general category L* ({@code \p{L}}). */
    static boolean isLetter(int cp) {
        if (cp < 0x80) {
            return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    /** Unicode general category N* ({@code \p{N}}). */
    static boolean isNumber(int cp) {
        if (cp < 0x80) {
            return cp >= '0' && cp <= '9';
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Unicode general category Mn. */
    static boolean isNonspacingMark(int cp) {
        return cp >= 0x300 && Character.getType(cp) == Character.NON_SPACING_MARK;
    }

    /** Unicode general category M* (Mn, Mc, Me). */
    static boolean isMark(int cp) {
        if (cp < 0x300) {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** Rust regex {@code \w}: Alphabetic, M*, Nd, Pc, or Join_Control. */
    static boolean isWordChar(int cp) {
        if (cp < 0x80) {
            return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= '0' && cp <= '9') || cp == '_';
        }
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK || type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.CONNECTOR_PUNCTUATION;
    }

    /**
     * The full lowercase mapping of one code point without context (Rust
     * {@code char::to_lowercase}): the simple mapping, except U+0130, whose unconditional full
     * mapping is two code points.
     *
     * @return the lowercase code point, or -1 when the mapping is U+0069 U+0307
     */
    static int toLowerCase(int cp) {
        if (cp < 0x80) {
            return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        }
        return cp == 0x130 ? -1 : Character.toLowerCase(cp);
    }
}
