package dev.graft.spark.pretrain;

import dev.graft.task.EncodedCorpus;

import java.io.Serializable;

/**
 * A tokenized corpus as plain arrays, for Spark to broadcast once to every executor: each executor rebuilds the
 * same {@link EncodedCorpus} from it, and from that the same training sequences as the driver, without reading or
 * tokenizing the corpus again.
 */
record FlatCorpus(int[] tokens, int[] words, int[] sentenceEnds, int[] documentEnds) implements Serializable {

    static FlatCorpus of(EncodedCorpus c) {
        int n = c.tokenCount();
        int[] tokens = new int[n];
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = c.token(i);
            words[i] = c.word(i);
        }
        int[] sentences = new int[c.sentenceCount()];
        for (int i = 0; i < sentences.length; i++) {
            sentences[i] = c.sentenceEnd(i);
        }
        int[] documents = new int[c.documentCount()];
        for (int i = 0; i < documents.length; i++) {
            documents[i] = c.documentEnd(i);
        }
        return new FlatCorpus(tokens, words, sentences, documents);
    }

    /** The corpus this was made from: the same tokens, word ids, sentences and documents. */
    EncodedCorpus rebuild() {
        EncodedCorpus c = new EncodedCorpus();
        int start = 0;
        int wordBase = 0; // EncodedCorpus numbers words across the corpus: sentence-local ids are offsets from it
        int document = 0;
        for (int end : sentenceEnds) {
            int[] ids = java.util.Arrays.copyOfRange(tokens, start, end);
            int[] local = new int[end - start];
            int max = -1;
            for (int i = start; i < end; i++) {
                local[i - start] = words[i] - wordBase;
                max = Math.max(max, local[i - start]);
            }
            c.addSentence(ids, local);
            wordBase += max + 1;
            if (document < documentEnds.length && documentEnds[document] == end) {
                c.endDocument();
                document++;
            }
            start = end;
        }
        if (c.tokenCount() != tokens.length || c.sentenceCount() != sentenceEnds.length
                || c.documentCount() != documentEnds.length) {
            throw new IllegalStateException("the rebuilt corpus differs from the broadcast one: " + c.tokenCount()
                    + " tokens, " + c.sentenceCount() + " sentences, " + c.documentCount() + " documents against "
                    + tokens.length + ", " + sentenceEnds.length + ", " + documentEnds.length);
        }
        return c;
    }

    long bytes() {
        return 4L * (tokens.length + words.length + sentenceEnds.length + documentEnds.length);
    }
}
