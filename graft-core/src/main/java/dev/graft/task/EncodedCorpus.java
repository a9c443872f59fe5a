package dev.graft.task;

import java.util.Arrays;

/**
 * A tokenized corpus in flat arrays: every token id, its word index (unique across the corpus, so
 * that sub-words of one word share it), and where each sentence and each document ends. Built once
 * from text, then cut into training sequences by {@link PretrainingData}.
 */
public final class EncodedCorpus {
    private int[] tokens = new int[1 << 16];
    private int[] words = new int[1 << 16];
    private int size;
    private int wordBase;
    private int[] sentenceEnds = new int[1 << 12];
    private int sentences;
    private int[] documentEnds = new int[1 << 10];
    private int documents;

    /** Appends one sentence (a line of text) of the current document. Word ids are local to the sentence. */
    public void addSentence(int[] ids, int[] wordIds) {
        if (ids.length == 0) {
            return;
        }
        if (wordIds != null && wordIds.length != ids.length) {
            throw new IllegalArgumentException(ids.length + " tokens but " + wordIds.length + " word ids");
        }
        ensure(size + ids.length);
        System.arraycopy(ids, 0, tokens, size, ids.length);
        int maxWord = -1;
        for (int i = 0; i < ids.length; i++) {
            int w = wordIds == null ? i : Math.max(0, wordIds[i]);
            words[size + i] = wordBase + w;
            maxWord = Math.max(maxWord, w);
        }
        wordBase += maxWord + 1;
        size += ids.length;
        if (sentences == sentenceEnds.length) {
            sentenceEnds = Arrays.copyOf(sentenceEnds, Math.max(16, sentences * 2));
        }
        sentenceEnds[sentences++] = size;
    }

    /** Closes the current document (no-op if it is empty). */
    public void endDocument() {
        int lastEnd = documents == 0 ? 0 : documentEnds[documents - 1];
        if (size == lastEnd) {
            return;
        }
        if (documents == documentEnds.length) {
            documentEnds = Arrays.copyOf(documentEnds, Math.max(16, documents * 2));
        }
        documentEnds[documents++] = size;
    }

    private void ensure(int n) {
        if (n > tokens.length) {
            int cap = Math.max(n, (int) Math.min(Integer.MAX_VALUE - 8, tokens.length * 2L));
            tokens = Arrays.copyOf(tokens, cap);
            words = Arrays.copyOf(words, cap);
        }
    }

    /** Drops the arrays' unused capacity (once the corpus is complete and is to be kept). */
    public void trim() {
        tokens = Arrays.copyOf(tokens, size);
        words = Arrays.copyOf(words, size);
        sentenceEnds = Arrays.copyOf(sentenceEnds, sentences);
        documentEnds = Arrays.copyOf(documentEnds, documents);
    }

    public int tokenCount() {
        return size;
    }

    public int sentenceCount() {
        return sentences;
    }

    public int documentCount() {
        return documents;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int word(int i) {
        return words[i];
    }

    int[] tokens() {
        return tokens;
    }

    int[] words() {
        return words;
    }

    /** End (exclusive) of sentence i. */
    public int sentenceEnd(int i) {
        return sentenceEnds[i];
    }

    /** End (exclusive) of document i. */
    public int documentEnd(int i) {
        return documentEnds[i];
    }

    /** Frequencies of every id below {@code vocabSize}. */
    public long[] unigramCounts(int vocabSize) {
        long[] c = new long[vocabSize];
        for (int i = 0; i < size; i++) {
            c[tokens[i]]++;
        }
        return c;
    }
}
