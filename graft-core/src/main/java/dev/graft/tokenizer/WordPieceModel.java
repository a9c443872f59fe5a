package dev.graft.tokenizer;

import java.util.Map;

/**
 * WordPiece (Schuster and Nakajima 2012; as in BERT, google-research/bert {@code tokenization.py}
 * {@code WordpieceTokenizer}): greedy longest-match-first from the start of the word, pieces
 * after the first carry the continuation prefix ({@code ##}); a word with a piece that matches
 * nothing, or longer than {@code maxInputCharsPerWord} code points, becomes the unknown token.
 */
final class WordPieceModel implements TokenModel {

    private final Vocabulary vocabulary;
    final String unknownToken;
    private final int unknownId;
    final String continuingSubwordPrefix;
    final int maxInputCharsPerWord;
    private final int longestEntry;
    /** word -> {id, end, id, end, ...} */
    private final WordCache cache = new WordCache(this::split);

    WordPieceModel(Map<String, Integer> vocabulary, String unknownToken, String continuingSubwordPrefix,
            int maxInputCharsPerWord) {
        this.vocabulary = new Vocabulary(vocabulary);
        this.unknownToken = unknownToken;
        Integer unk = vocabulary.get(unknownToken);
        this.unknownId = unk == null ? -1 : unk;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.longestEntry = this.vocabulary.longestEntry();
    }

    @Override
    public void tokenize(String word, TokenSink sink) {
        int[] pieces = cache.get(word);
        int start = 0;
        for (int k = 0; k < pieces.length; k += 2) {
            sink.token(pieces[k], start, pieces[k + 1]);
            start = pieces[k + 1];
        }
    }

    private int[] split(String word) {
        int n = word.length();
        if (word.codePointCount(0, n) > maxInputCharsPerWord) {
            return unknown(n);
        }
        int[] out = new int[8];
        int size = 0;
        int start = 0;
        StringBuilder candidate = new StringBuilder(continuingSubwordPrefix.length() + n);
        while (start < n) {
            int end = Math.min(n, start + longestEntry);
            if (end < n && Character.isLowSurrogate(word.charAt(end)) && end > start) {
                end--;
            }
            int found = -1;
            while (start < end) {
                candidate.setLength(0);
                if (start > 0) {
                    candidate.append(continuingSubwordPrefix);
                }
                candidate.append(word, start, end);
                Integer id = vocabulary.get(candidate.toString());
                if (id != null) {
                    found = id;
                    break;
                }
                end -= Character.isLowSurrogate(word.charAt(end - 1)) && end - 2 >= start ? 2 : 1;
            }
            if (found < 0) {
                return unknown(n);
            }
            if (size + 2 > out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            out[size++] = found;
            out[size++] = end;
            start = end;
        }
        return java.util.Arrays.copyOf(out, size);
    }

    private int[] unknown(int length) {
        if (unknownId < 0) {
            throw new IllegalStateException("the WordPiece unknown token '" + unknownToken
                    + "' is not in the vocabulary; add it to the vocabulary in tokenizer.json");
        }
        return new int[] {unknownId, length};
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }
}
