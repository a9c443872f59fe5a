package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece's whitespace handling as the Hugging Face {@code Metaspace} pre-tokenizer and
 * decoder: spaces become the replacement character ({@code ▁}, U+2581), one is put in front of
 * the text (always, only for the text's first piece, or never), and the text is cut before each
 * run of replacements, the last replacement of a run starting the next word; decoding turns
 * replacements back into spaces and drops them from the first token.
 */
final class Metaspace {
    private Metaspace() {
    }

    /** When to put a replacement character in front of a piece. */
    enum PrependScheme {
        /** Every piece that does not start with one. */
        ALWAYS,
        /** Only the piece at the start of the input (not the text after an added token). */
        FIRST,
        /** Never. */
        NEVER;

        String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static PrependScheme of(String s) {
            return switch (s) {
                case "always" -> ALWAYS;
                case "first" -> FIRST;
                case "never" -> NEVER;
                default -> null;
            };
        }
    }

    /** The pre-tokenizer. */
    record Split(int replacement, PrependScheme prependScheme, boolean split) implements PreTokenizers.PreTokenizer {
        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            NormalizedText p = piece.map(cp -> cp == ' ' ? replacement : cp);
            boolean startsWith = !p.isEmpty() && p.text.codePointAt(0) == replacement;
            if (!startsWith && (prependScheme == PrependScheme.ALWAYS
                    || (prependScheme == PrependScheme.FIRST && p.originalStart == 0))) {
                p = SentencePieceNormalizers.prepend(p, new String(Character.toChars(replacement)));
            }
            if (p.isEmpty()) {
                return;
            }
            if (!split) {
                out.add(p);
                return;
            }
            // MergedWithNext: a replacement starts a new word unless the next character is one too
            String s = p.text;
            List<int[]> cuts = new ArrayList<>();
            int wordStart = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (cp == replacement) {
                    boolean followedByReplacement = next < s.length() && s.codePointAt(next) == replacement;
                    if (!followedByReplacement) {
                        if (wordStart < i) {
                            cuts.add(new int[] {wordStart, i});
                        }
                        wordStart = i;
                    } else {
                        if (wordStart < i) {
                            cuts.add(new int[] {wordStart, i});
                        }
                        cuts.add(new int[] {i, next});
                        wordStart = next;
                    }
                }
                i = next;
            }
            if (wordStart < s.length()) {
                cuts.add(new int[] {wordStart, s.length()});
            }
            for (int[] c : cuts) {
                out.add(p.slice(c[0], c[1]));
            }
        }
    }

    /** The decoder. */
    record Decode(int replacement, PrependScheme prependScheme, boolean split) implements Decoders.Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                StringBuilder sb = new StringBuilder(t.length());
                for (int k = 0; k < t.length(); ) {
                    int cp = t.codePointAt(k);
                    if (cp == replacement) {
                        if (!(i == 0 && prependScheme != PrependScheme.NEVER)) {
                            sb.append(' ');
                        }
                    } else {
                        sb.appendCodePoint(cp);
                    }
                    k += Character.charCount(cp);
                }
                out.add(sb.toString());
            }
            return out;
        }
    }
}
