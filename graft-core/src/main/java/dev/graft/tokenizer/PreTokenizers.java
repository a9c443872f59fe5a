package dev.graft.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The pre-tokenizers graft reads and writes in {@code tokenizer.json}: they cut a normalized
 * piece into words (the model then splits each word into tokens). Each word's index in the
 * sequence is what {@link Encoding#wordIndices()} reports.
 */
final class PreTokenizers {
    private PreTokenizers() {
    }

    /** A pre-tokenizer step: appends the non-empty words of {@code piece} to {@code out}. */
    sealed interface PreTokenizer permits Bert, Whitespace, WhitespaceSplit, ByteLevelSplit, Sequence, Metaspace.Split {
        void split(NormalizedText piece, List<NormalizedText> out);
    }

    /** BERT's basic tokenizer: split on whitespace (dropped), then isolate each punctuation character. */
    record Bert() implements PreTokenizer {
        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            ranges(piece.text, true, (start, end) -> out.add(piece.slice(start, end)));
        }
    }

    /** Runs of word characters, or runs of other non-space characters ({@code \w+|[^\w\s]+}). */
    record Whitespace() implements PreTokenizer {
        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            String s = piece.text;
            int n = s.length();
            int i = 0;
            while (i < n) {
                int cp = s.codePointAt(i);
                if (CharClasses.isWhitespace(cp)) {
                    i += Character.charCount(cp);
                    continue;
                }
                boolean word = CharClasses.isWordChar(cp);
                int j = i + Character.charCount(cp);
                while (j < n) {
                    int c = s.codePointAt(j);
                    if (CharClasses.isWhitespace(c) || CharClasses.isWordChar(c) != word) {
                        break;
                    }
                    j += Character.charCount(c);
                }
                out.add(piece.slice(i, j));
                i = j;
            }
        }
    }

    /** Split on whitespace, which is dropped. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            ranges(piece.text, false, (start, end) -> out.add(piece.slice(start, end)));
        }
    }

    /**
     * GPT-2's byte-level pre-tokenizer: optionally a leading space, the GPT-2 regex split (see
     * {@link ByteLevel}), then each word rewritten as one byte-level character per UTF-8 byte,
     * every byte aligned to the character it encodes.
     */
    record ByteLevelSplit(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) implements PreTokenizer {
        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            NormalizedText p = withPrefixSpace(piece);
            if (useRegex) {
                NormalizedText whole = p;
                ByteLevel.splitGpt2(whole.text, (start, end) -> out.add(toBytes(whole.slice(start, end))));
            } else if (!p.isEmpty()) {
                out.add(toBytes(p));
            }
        }

        /** The piece with a space in front if {@code addPrefixSpace} asks for one (aligned to its first character). */
        NormalizedText withPrefixSpace(NormalizedText piece) {
            NormalizedText p = piece;
            if (addPrefixSpace && !p.text.startsWith(" ") && !p.isEmpty()) {
                NormalizedText.Transform t = p.transform(0);
                t.emit(' ', 0);
                t.emitAll(p.text, 1, 0);
                p = t.finish();
            }
            return p;
        }

        static NormalizedText toBytes(NormalizedText word) {
            String s = word.text;
            NormalizedText.Transform t = word.transform(0);
            StringBuilder bytes = new StringBuilder(4);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                bytes.setLength(0);
                int count = ByteLevel.appendBytes(cp, bytes);
                for (int k = 0; k < count; k++) {
                    t.emit(bytes.charAt(k), k == 0 ? 0 : 1);
                }
                i += Character.charCount(cp);
            }
            return t.finish();
        }
    }

    /** Pre-tokenizers applied in order, each to every word of the previous. */
    record Sequence(List<PreTokenizer> preTokenizers) implements PreTokenizer {
        Sequence {
            preTokenizers = List.copyOf(preTokenizers);
        }

        @Override
        public void split(NormalizedText piece, List<NormalizedText> out) {
            List<NormalizedText> current = new ArrayList<>();
            current.add(piece);
            for (PreTokenizer p : preTokenizers) {
                List<NormalizedText> next = new ArrayList<>();
                for (NormalizedText word : current) {
                    p.split(word, next);
                }
                current = next;
            }
            out.addAll(current);
        }
    }

    /**
     * The words of {@code s} as ranges: split on whitespace (dropped), each punctuation character a word
     * of its own when {@code isolatePunctuation} (BERT's basic tokenizer; shared with the trainer's word
     * counting).
     */
    static void ranges(String s, boolean isolatePunctuation, ByteLevel.RangeSink sink) {
        int n = s.length();
        int wordStart = 0;
        for (int i = 0; i < n; ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (CharClasses.isWhitespace(cp)) {
                if (wordStart < i) {
                    sink.accept(wordStart, i);
                }
                wordStart = next;
            } else if (isolatePunctuation && CharClasses.isBertPunctuation(cp)) {
                if (wordStart < i) {
                    sink.accept(wordStart, i);
                }
                sink.accept(i, next);
                wordStart = next;
            }
            i = next;
        }
        if (wordStart < n) {
            sink.accept(wordStart, n);
        }
    }
}
